// Metering, independent of the board: the board layer counts pulses, samples the ADC and reads the 1-Wire bus;
// these classes turn that into contract quantities (W, Wh, A, V, °C, gCO2/kWh).
#pragma once
#include <cstddef>
#include <cstdint>

namespace cr {

/**
 * HLW8012 / BL0937 metering chips: CF pulses at a frequency proportional to active power, CF1 proportional to RMS
 * current or voltage (selected by SEL). Multipliers (W per Hz, A per Hz, V per Hz) depend on the shunt and divider;
 * calibrate them once against a known resistive load.
 */
struct PulseCalibration {
  double wattsPerHz = 1.3;   // BL0937 with a 1 mΩ shunt and 1.88 MΩ/1 kΩ divider, typical
  double ampsPerHz = 0.0118;
  double voltsPerHz = 0.129;
};

class PulseMeter {
 public:
  explicit PulseMeter(const PulseCalibration& c) : cal_(c) {}
  /**
   * One measurement window: CF pulses and CF1 pulses counted over `windowUs`, CF1 showing voltage or current.
   * Energy comes from the pulse count itself (each CF pulse is wattsPerHz / 3600 Wh), so no pulse is lost between
   * windows.
   */
  void window(uint32_t cfPulses, uint32_t cf1Pulses, bool cf1IsVoltage, uint32_t windowUs);
  double powerW() const { return powerW_; }
  double currentA() const { return currentA_; }
  double voltageV() const { return voltageV_; }
  /** Energy since construction (add the persisted register on top). */
  double energyWh() const { return energyWh_; }
  /** Sets the multipliers so that the last window reads the known load (e.g. a 2000 W kettle at 230 V). */
  void calibrate(double knownPowerW, double knownVoltageV, double knownCurrentA);
  const PulseCalibration& calibration() const { return cal_; }

 private:
  PulseCalibration cal_;
  double lastCfHz_ = 0, lastVHz_ = 0, lastAHz_ = 0;
  double powerW_ = 0, currentA_ = 0, voltageV_ = 0, energyWh_ = 0;
};

/**
 * A current transformer clamp through an ADC: RMS over whole mains cycles with the DC bias removed, times a
 * calibrated gain. Power is apparent power × an assumed power factor at the nominal voltage (a clamp cannot see
 * the voltage).
 */
struct CtCalibration {
  double ampsPerCount = 0.0147;  // SCT-013-030 (30 A / 1 V) into a 12-bit 3.3 V ADC, typical
  double nominalVoltageV = 230;
  double powerFactor = 1.0;
  /** Below this RMS current the reading is noise: report 0. */
  double noiseFloorA = 0.05;
};

class CtClamp {
 public:
  explicit CtClamp(const CtCalibration& c) : cal_(c) {}
  /** One sample window (raw ADC counts, a whole number of mains cycles). */
  void window(const uint16_t* samples, size_t n);
  double currentA() const { return currentA_; }
  double powerW() const { return powerW_; }
  double rmsCounts() const { return rmsCounts_; }
  /** Sets the gain so that the last window reads `knownCurrentA`. */
  void calibrate(double knownCurrentA);
  const CtCalibration& calibration() const { return cal_; }

 private:
  CtCalibration cal_;
  double rmsCounts_ = 0, currentA_ = 0, powerW_ = 0;
};

/** Energy from power samples (trapezoids), for meters that have no energy pulses. */
class EnergyIntegrator {
 public:
  explicit EnergyIntegrator(double registerWh = 0) : wh_(registerWh) {}
  /** Power `powerW` at monotonic time `monoMs`; a gap longer than maxGapMs is not integrated (the meter was off). */
  void sample(double powerW, int64_t monoMs, int64_t maxGapMs = 60000);
  double energyWh() const { return wh_; }

 private:
  double wh_;
  bool have_ = false;
  double lastW_ = 0;
  int64_t lastMs_ = 0;
};

/** DS18B20 scratchpad (9 bytes as read after Convert T) → °C. */
enum class Ds18b20Status : uint8_t { ok, crc_mismatch, power_on_value, disconnected };
Ds18b20Status decodeDs18b20(const uint8_t scratchpad[9], double* temperatureC);

/**
 * A local carbon-intensity monitor (an in-home display or sensor on a serial line, one number in gCO2/kWh per line):
 * lines are parsed, implausible values dropped, and the median of the last five reported.
 */
class IntensityMonitor {
 public:
  /** One line of the monitor's output; false when it is not a plausible reading. */
  bool line(const char* s, size_t n);
  bool ready() const { return count_ > 0; }
  double intensityGPerKWh() const;

 private:
  double last_[5] = {};
  uint32_t count_ = 0;
};

}  // namespace cr
