#include "cr/metering.h"

#include <cmath>
#include <cstdlib>
#include <cstring>

#include "cr/crc.h"

namespace cr {

void PulseMeter::window(uint32_t cfPulses, uint32_t cf1Pulses, bool cf1IsVoltage, uint32_t windowUs) {
  if (windowUs == 0) return;
  const double seconds = windowUs / 1e6;
  lastCfHz_ = cfPulses / seconds;
  powerW_ = lastCfHz_ * cal_.wattsPerHz;
  energyWh_ += cfPulses * cal_.wattsPerHz / 3600.0;
  if (cf1IsVoltage) {
    lastVHz_ = cf1Pulses / seconds;
    voltageV_ = lastVHz_ * cal_.voltsPerHz;
  } else {
    lastAHz_ = cf1Pulses / seconds;
    currentA_ = lastAHz_ * cal_.ampsPerHz;
  }
}

void PulseMeter::calibrate(double knownPowerW, double knownVoltageV, double knownCurrentA) {
  if (lastCfHz_ > 0) cal_.wattsPerHz = knownPowerW / lastCfHz_;
  if (lastVHz_ > 0) cal_.voltsPerHz = knownVoltageV / lastVHz_;
  if (lastAHz_ > 0) cal_.ampsPerHz = knownCurrentA / lastAHz_;
  powerW_ = knownPowerW;
  voltageV_ = knownVoltageV;
  currentA_ = knownCurrentA;
}

void CtClamp::window(const uint16_t* samples, size_t n) {
  if (n == 0) return;
  double mean = 0;
  for (size_t i = 0; i < n; i++) mean += samples[i];
  mean /= static_cast<double>(n);
  double sq = 0;
  for (size_t i = 0; i < n; i++) {
    const double d = samples[i] - mean;
    sq += d * d;
  }
  rmsCounts_ = std::sqrt(sq / static_cast<double>(n));
  currentA_ = rmsCounts_ * cal_.ampsPerCount;
  if (currentA_ < cal_.noiseFloorA) currentA_ = 0;
  powerW_ = currentA_ * cal_.nominalVoltageV * cal_.powerFactor;
}

void CtClamp::calibrate(double knownCurrentA) {
  if (rmsCounts_ <= 0) return;
  cal_.ampsPerCount = knownCurrentA / rmsCounts_;
  currentA_ = knownCurrentA;
  powerW_ = currentA_ * cal_.nominalVoltageV * cal_.powerFactor;
}

void EnergyIntegrator::sample(double powerW, int64_t monoMs, int64_t maxGapMs) {
  if (have_ && monoMs > lastMs_ && monoMs - lastMs_ <= maxGapMs) {
    const double mean = (lastW_ + powerW) / 2;
    // Export (negative power) does not run the register backwards: it counts imported energy.
    if (mean > 0) wh_ += mean * static_cast<double>(monoMs - lastMs_) / 3600000.0;
  }
  have_ = true;
  lastW_ = powerW;
  lastMs_ = monoMs;
}

Ds18b20Status decodeDs18b20(const uint8_t s[9], double* temperatureC) {
  bool allOnes = true;
  for (int i = 0; i < 9; i++) allOnes = allOnes && s[i] == 0xFF;
  if (allOnes) return Ds18b20Status::disconnected;  // nobody pulled the bus low
  if (crc8Maxim(s, 8) != s[8]) return Ds18b20Status::crc_mismatch;
  const int16_t raw = static_cast<int16_t>(static_cast<uint16_t>(s[1]) << 8 | s[0]);
  // Resolution (config register bits 5-6): the undefined low bits are cleared.
  const uint8_t resolution = (s[4] >> 5) & 0x3;
  const int16_t masked = static_cast<int16_t>(raw & ~((1 << (3 - resolution)) - 1));
  // 85.0 °C is the power-on reset value: a conversion never ran (a brown-out or a too-short wait).
  if (raw == 0x0550) return Ds18b20Status::power_on_value;
  *temperatureC = masked / 16.0;
  return Ds18b20Status::ok;
}

bool IntensityMonitor::line(const char* s, size_t n) {
  char buf[32];
  while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' ')) n--;
  while (n > 0 && *s == ' ') s++, n--;
  if (n == 0 || n >= sizeof buf) return false;
  std::memcpy(buf, s, n);
  buf[n] = '\0';
  char* end = nullptr;
  const double v = std::strtod(buf, &end);
  if (end != buf + n || !std::isfinite(v) || v < 0 || v > 3000) return false;
  last_[count_ % 5] = v;
  count_++;
  return true;
}

double IntensityMonitor::intensityGPerKWh() const {
  const uint32_t n = count_ < 5 ? count_ : 5;
  double v[5];
  std::memcpy(v, last_, sizeof v);
  for (uint32_t i = 1; i < n; i++)
    for (uint32_t j = i; j > 0 && v[j] < v[j - 1]; j--) {
      const double t = v[j];
      v[j] = v[j - 1];
      v[j - 1] = t;
    }
  return n == 0 ? 0 : (n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2);
}

}  // namespace cr
