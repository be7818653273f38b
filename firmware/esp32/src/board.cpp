#include "board.h"

#include "driver/gpio.h"
#include "esp_rom_sys.h"
#include "freertos/FreeRTOS.h"
#include "freertos/task.h"

namespace crboard {

PartitionFlash::PartitionFlash(const char* label)
    : part_(esp_partition_find_first(ESP_PARTITION_TYPE_DATA, ESP_PARTITION_SUBTYPE_ANY, label)) {}

bool PartitionFlash::read(uint32_t addr, void* out, size_t n) {
  return part_ != nullptr && esp_partition_read(part_, addr, out, n) == ESP_OK;
}

// NOR flash clears bits only, as the core expects; esp_partition_write writes the bytes as given (no read-modify).
bool PartitionFlash::write(uint32_t addr, const void* data, size_t n) {
  return part_ != nullptr && esp_partition_write(part_, addr, data, n) == ESP_OK;
}

bool PartitionFlash::erase(uint32_t sector) {
  return part_ != nullptr && esp_partition_erase_range(part_, sector * 4096, 4096) == ESP_OK;
}

namespace {
void low(int pin) {
  gpio_set_direction(pin, GPIO_MODE_OUTPUT);
  gpio_set_level(pin, 0);
}
void release(int pin) { gpio_set_direction(pin, GPIO_MODE_INPUT); }

bool reset(int pin) {
  low(pin);
  esp_rom_delay_us(480);
  release(pin);
  esp_rom_delay_us(70);
  const bool present = gpio_get_level(pin) == 0;
  esp_rom_delay_us(410);
  return present;
}

void writeByte(int pin, uint8_t b) {
  for (int i = 0; i < 8; i++, b >>= 1) {
    low(pin);
    esp_rom_delay_us((b & 1) ? 6 : 60);
    release(pin);
    esp_rom_delay_us((b & 1) ? 64 : 10);
  }
}

uint8_t readByte(int pin) {
  uint8_t b = 0;
  for (int i = 0; i < 8; i++) {
    low(pin);
    esp_rom_delay_us(6);
    release(pin);
    esp_rom_delay_us(9);
    if (gpio_get_level(pin)) b |= static_cast<uint8_t>(1u << i);
    esp_rom_delay_us(55);
  }
  return b;
}
}  // namespace

bool ds18b20Read(int pin, uint8_t scratchpad[9]) {
  gpio_set_pull_mode(pin, GPIO_PULLUP_ONLY);
  if (!reset(pin)) return false;
  writeByte(pin, 0xCC);  // Skip ROM
  writeByte(pin, 0x44);  // Convert T
  vTaskDelay(pdMS_TO_TICKS(750));
  if (!reset(pin)) return false;
  writeByte(pin, 0xCC);
  writeByte(pin, 0xBE);  // Read Scratchpad
  for (int i = 0; i < 9; i++) scratchpad[i] = readByte(pin);
  return true;
}

}  // namespace crboard
