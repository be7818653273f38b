// ESP32 board layer (ESP-IDF 5): the thin part that touches hardware. Everything else is the portable core.
#pragma once
#include <cr/device.h>
#include <cr/flash.h>

#include "esp_partition.h"

namespace crboard {

/** Pins of the reference plug (BL0937 metering, one relay, one button) and of the clamp/thermometer variants. */
struct Pins {
  int relay = 12;
  int button = 0;
  int cf = 5;    // BL0937 CF: active power pulses
  int cf1 = 14;  // BL0937 CF1: current or voltage pulses
  int sel = 13;  // BL0937 SEL: high = current on CF1
  int oneWire = 4;
  int ctAdcChannel = 6;  // ADC1 channel 6 = GPIO34
};

/** A data partition as the core's Flash (sector = 4 KiB erase unit). */
class PartitionFlash final : public cr::Flash {
 public:
  explicit PartitionFlash(const char* label);
  bool ok() const { return part_ != nullptr; }
  uint32_t sectorSize() const override { return 4096; }
  uint32_t sectorCount() const override { return part_ == nullptr ? 0 : part_->size / 4096; }
  bool read(uint32_t addr, void* out, size_t n) override;
  bool write(uint32_t addr, const void* data, size_t n) override;
  bool erase(uint32_t sector) override;

 private:
  const esp_partition_t* part_;
};

/** DS18B20 on a bit-banged 1-Wire bus (single sensor: Skip ROM). */
bool ds18b20Read(int pin, uint8_t scratchpad[9]);

}  // namespace crboard
