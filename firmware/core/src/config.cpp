#include "cr/config.h"

#include <cstdlib>
#include <cstring>

#include "cr/text.h"

namespace cr {

void defaultConfig(DeviceConfig* c) {
  *c = DeviceConfig{};
  c->layout = kConfigLayout;
  c->kind = Kind::plug;
  c->readingIntervalMs = 10000;
  c->minSwitchIntervalMs = 60000;
  c->maxLateMs = 15 * 60000;
  c->healthIntervalMs = 15 * 60000;
  c->batchMax = 50;
  c->pulse = PulseCalibration{};
  c->ct = CtCalibration{};
}

namespace {
struct Text {
  const char* key;
  size_t offset;
  size_t cap;
};
#define CR_TEXT(k) \
  { #k, offsetof(DeviceConfig, k), sizeof(DeviceConfig::k) }
const Text kTexts[] = {CR_TEXT(wifiSsid),     CR_TEXT(wifiPassword), CR_TEXT(brokerUrl), CR_TEXT(mqttUsername),
                       CR_TEXT(mqttPassword), CR_TEXT(caCert),       CR_TEXT(homeId),    CR_TEXT(deviceId)};
#undef CR_TEXT

struct Number {
  const char* key;
  uint32_t* (*u)(DeviceConfig*);
  double* (*d)(DeviceConfig*);
  double min, max;
};
const Number kNumbers[] = {
    {"readingIntervalMs", [](DeviceConfig* c) { return &c->readingIntervalMs; }, nullptr, 100, 3600000},
    {"minSwitchIntervalMs", [](DeviceConfig* c) { return &c->minSwitchIntervalMs; }, nullptr, 0, 86400000},
    {"maxLateMs", [](DeviceConfig* c) { return &c->maxLateMs; }, nullptr, 0, 86400000},
    {"healthIntervalMs", [](DeviceConfig* c) { return &c->healthIntervalMs; }, nullptr, 1000, 86400000},
    {"batchMax", [](DeviceConfig* c) { return &c->batchMax; }, nullptr, 1, 64},
    {"pulse.wattsPerHz", nullptr, [](DeviceConfig* c) { return &c->pulse.wattsPerHz; }, 1e-6, 1e6},
    {"pulse.ampsPerHz", nullptr, [](DeviceConfig* c) { return &c->pulse.ampsPerHz; }, 1e-9, 1e6},
    {"pulse.voltsPerHz", nullptr, [](DeviceConfig* c) { return &c->pulse.voltsPerHz; }, 1e-9, 1e6},
    {"ct.ampsPerCount", nullptr, [](DeviceConfig* c) { return &c->ct.ampsPerCount; }, 1e-9, 1e3},
    {"ct.nominalVoltageV", nullptr, [](DeviceConfig* c) { return &c->ct.nominalVoltageV; }, 1, 1000},
    {"ct.powerFactor", nullptr, [](DeviceConfig* c) { return &c->ct.powerFactor; }, 0, 1},
};

bool fail(char* error, size_t cap, const char* a, const char* b = "", const char* c = "") {
  Writer w(error, cap);
  w.raw(a).raw(b).raw(c);
  return false;
}
}  // namespace

bool applyConfigLine(DeviceConfig* c, const char* line, size_t n, char* error, size_t errorCap) {
  while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r')) n--;
  size_t start = 0;
  while (start < n && (line[start] == ' ' || line[start] == '\t')) start++;
  if (start == n || line[start] == '#') return true;
  const char* eq = static_cast<const char*>(std::memchr(line + start, '=', n - start));
  if (eq == nullptr) return fail(error, errorCap, "expected key=value");
  char key[40];
  const size_t keyLen = static_cast<size_t>(eq - (line + start));
  if (keyLen == 0 || keyLen >= sizeof key) return fail(error, errorCap, "unknown key");
  std::memcpy(key, line + start, keyLen);
  key[keyLen] = '\0';
  const char* value = eq + 1;
  const size_t valueLen = n - static_cast<size_t>(value - line);
  for (const Text& t : kTexts) {
    if (std::strcmp(t.key, key) != 0) continue;
    // The CA certificate spans lines: `caCert=` lines append, with "\n" written as the two characters \n.
    const bool id = std::strcmp(key, "homeId") == 0 || std::strcmp(key, "deviceId") == 0;
    if (id && !isValidId(value, valueLen))
      return fail(error, errorCap, key, ": not a valid id (1-64 of [a-z0-9_-], starting with a letter or digit)");
    char* dst = reinterpret_cast<char*>(c) + t.offset;
    size_t o = std::strcmp(key, "caCert") == 0 ? std::strlen(dst) : 0;
    for (size_t i = 0; i < valueLen; i++) {
      char ch = value[i];
      if (ch == '\\' && i + 1 < valueLen && value[i + 1] == 'n') {
        ch = '\n';
        i++;
      }
      if (o + 1 >= t.cap) return fail(error, errorCap, key, ": value too long");
      dst[o++] = ch;
    }
    dst[o] = '\0';
    return true;
  }
  char num[40];
  if (valueLen == 0 || valueLen >= sizeof num) return fail(error, errorCap, key, ": missing or too long value");
  std::memcpy(num, value, valueLen);
  num[valueLen] = '\0';
  if (std::strcmp(key, "kind") == 0) {
    Kind k;
    if (!kindFromName(num, valueLen, &k) || k == Kind::gateway)
      return fail(error, errorCap, "kind: expected plug, meter, thermometer or intensity");
    c->kind = k;
    return true;
  }
  for (const Number& f : kNumbers) {
    if (std::strcmp(f.key, key) != 0) continue;
    char* end = nullptr;
    const double v = std::strtod(num, &end);
    if (end != num + valueLen || !(v >= f.min && v <= f.max)) return fail(error, errorCap, key, ": number out of range");
    if (f.u != nullptr) *f.u(c) = static_cast<uint32_t>(v);
    else *f.d(c) = v;
    return true;
  }
  return fail(error, errorCap, "unknown key ", key);
}

bool configComplete(const DeviceConfig& c, char* error, size_t errorCap) {
  if (c.layout != kConfigLayout) return fail(error, errorCap, "not provisioned");
  if (!isValidId(c.homeId)) return fail(error, errorCap, "homeId missing or invalid");
  if (!isValidId(c.deviceId)) return fail(error, errorCap, "deviceId missing or invalid");
  if (std::strncmp(c.brokerUrl, "mqtt://", 7) != 0 && std::strncmp(c.brokerUrl, "mqtts://", 8) != 0)
    return fail(error, errorCap, "brokerUrl must start with mqtt:// or mqtts://");
  if (c.mqttUsername[0] == '\0' || c.mqttPassword[0] == '\0') return fail(error, errorCap, "MQTT credentials missing");
  if (std::strncmp(c.brokerUrl, "mqtts://", 8) == 0 && c.caCert[0] == '\0')
    return fail(error, errorCap, "caCert missing for mqtts://");
  return true;
}

}  // namespace cr
