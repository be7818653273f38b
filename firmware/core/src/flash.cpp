#include "cr/flash.h"

#include <cstring>

namespace cr {

bool RamFlash::read(uint32_t addr, void* out, size_t n) {
  if (dead_ || addr + n > static_cast<uint64_t>(sectorSize_) * sectorCount_) return false;
  std::memcpy(out, mem_ + addr, n);
  return true;
}

bool RamFlash::write(uint32_t addr, const void* data, size_t n) {
  if (dead_ || addr + n > static_cast<uint64_t>(sectorSize_) * sectorCount_) return false;
  const uint8_t* p = static_cast<const uint8_t*>(data);
  for (size_t i = 0; i < n; i++) {
    if (budget_ == 0) {
      dead_ = true;
      return false;
    }
    if (budget_ > 0) budget_--;
    mem_[addr + i] &= p[i];
    written_++;
  }
  return true;
}

bool RamFlash::erase(uint32_t sector) {
  if (dead_ || sector >= sectorCount_) return false;
  std::memset(mem_ + static_cast<size_t>(sector) * sectorSize_, 0xFF, sectorSize_);
  erases_++;
  return true;
}

void RamFlash::eraseAll() {
  std::memset(mem_, 0xFF, static_cast<size_t>(sectorSize_) * sectorCount_);
}

}  // namespace cr
