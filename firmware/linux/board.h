// The Linux board: flash in files (NOR semantics, so the core's power-loss handling is the same code as on the
// ESP32), the system clock with a simulated SNTP delay, a simulated relay and HLW8012 pulse source, libmosquitto.
#pragma once
#include <cr/device.h>
#include <cr/flash.h>

#include <cstdint>
#include <string>

namespace crlinux {

/** A flash chip in a file: sectors of 0xFF when erased, writes AND into what is there. */
class FileFlash final : public cr::Flash {
 public:
  FileFlash(const std::string& path, uint32_t sectorSize, uint32_t sectorCount);
  ~FileFlash();
  bool ok() const { return fd_ >= 0; }
  uint32_t sectorSize() const override { return sectorSize_; }
  uint32_t sectorCount() const override { return sectorCount_; }
  bool read(uint32_t addr, void* out, size_t n) override;
  bool write(uint32_t addr, const void* data, size_t n) override;
  bool erase(uint32_t sector) override;

 private:
  int fd_ = -1;
  uint32_t sectorSize_, sectorCount_;
};

}  // namespace crlinux
