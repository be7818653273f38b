// Device configuration, provisioned once and stored apart from the code (its own flash sectors on the ESP32, a file
// on Linux): Wi-Fi, broker, per-device MQTT credentials and CA certificate, ids, calibration, safety limits.
// Provisioning is line-based (`key=value`), the same over the ESP32's serial console and in the Linux config file.
#pragma once
#include <cstddef>
#include <cstdint>

#include "cr/contract.h"
#include "cr/metering.h"

namespace cr {

struct DeviceConfig {
  uint32_t layout;  // kConfigLayout once provisioned
  char wifiSsid[33];
  char wifiPassword[65];
  /** mqtt://host:port or mqtts://host:port */
  char brokerUrl[128];
  /** Per-device credentials issued by the API (today the shared `device` user works too). */
  char mqttUsername[65];
  char mqttPassword[129];
  /** PEM of the CA that signed the broker's certificate (mqtts). */
  char caCert[2048];
  char homeId[65];
  char deviceId[65];
  /** What the device meters: plug (HLW8012/BL0937), meter (CT clamp), thermometer, intensity. */
  Kind kind;
  uint8_t pad[3];
  uint32_t readingIntervalMs;
  /** The relay never switches twice within this interval (compressors, inrush, contact wear). */
  uint32_t minSwitchIntervalMs;
  /** A command more than this late (e.g. after a long outage) is refused as expired instead of run. */
  uint32_t maxLateMs;
  uint32_t healthIntervalMs;
  /** Readings per replayed batch message (≤ OutageRing::kMaxPeek). */
  uint32_t batchMax;
  PulseCalibration pulse;
  CtCalibration ct;
};

constexpr uint32_t kConfigLayout = 1;

/** Defaults for everything but the secrets and ids. */
void defaultConfig(DeviceConfig* c);

/**
 * Applies one provisioning line (`key=value`, `#` comments and blank lines ignored). On error, `error` names the key
 * and what was wrong.
 */
bool applyConfigLine(DeviceConfig* c, const char* line, size_t n, char* error, size_t errorCap);

/** Ready to run: ids valid, broker and credentials set; otherwise `error` says what is missing. */
bool configComplete(const DeviceConfig& c, char* error, size_t errorCap);

}  // namespace cr
