// Flash as the core sees it: sectors that erase to 0xFF, writes that can only clear bits. The ESP32 board maps it
// to a data partition (esp_partition_*), the Linux device to a file; RamFlash is the host model with power-loss
// injection (a write cut after N bytes, every later operation failing until "power" returns).
#pragma once
#include <cstddef>
#include <cstdint>

namespace cr {

class Flash {
 public:
  virtual uint32_t sectorSize() const = 0;
  virtual uint32_t sectorCount() const = 0;
  virtual bool read(uint32_t addr, void* out, size_t n) = 0;
  /** NOR semantics: the stored bytes become (old AND new). */
  virtual bool write(uint32_t addr, const void* data, size_t n) = 0;
  virtual bool erase(uint32_t sector) = 0;

 protected:
  ~Flash() = default;
};

/** Flash in a caller's buffer (sectorSize × sectorCount bytes), with a power cut that tears a write. */
class RamFlash final : public Flash {
 public:
  RamFlash(uint8_t* mem, uint32_t sectorSize, uint32_t sectorCount)
      : mem_(mem), sectorSize_(sectorSize), sectorCount_(sectorCount) {}
  uint32_t sectorSize() const override { return sectorSize_; }
  uint32_t sectorCount() const override { return sectorCount_; }
  bool read(uint32_t addr, void* out, size_t n) override;
  bool write(uint32_t addr, const void* data, size_t n) override;
  bool erase(uint32_t sector) override;
  void eraseAll();

  /** After `bytes` more written bytes the power fails: the write in progress is cut, later operations fail. */
  void cutPowerAfter(uint32_t bytes) { budget_ = static_cast<int64_t>(bytes); }
  void restorePower() {
    budget_ = -1;
    dead_ = false;
  }
  bool dead() const { return dead_; }
  uint32_t eraseCount() const { return erases_; }
  uint64_t bytesWritten() const { return written_; }

 private:
  uint8_t* mem_;
  uint32_t sectorSize_, sectorCount_;
  int64_t budget_ = -1;
  bool dead_ = false;
  uint32_t erases_ = 0;
  uint64_t written_ = 0;
};

}  // namespace cr
