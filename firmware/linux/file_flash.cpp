#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <vector>

#include "board.h"

namespace crlinux {

FileFlash::FileFlash(const std::string& path, uint32_t sectorSize, uint32_t sectorCount)
    : sectorSize_(sectorSize), sectorCount_(sectorCount) {
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT, 0600);
  if (fd_ < 0) return;
  struct stat st {};
  const off_t size = static_cast<off_t>(sectorSize) * sectorCount;
  if (::fstat(fd_, &st) == 0 && st.st_size < size) {
    // A new chip comes erased.
    std::vector<uint8_t> ff(sectorSize, 0xFF);
    for (off_t o = st.st_size - st.st_size % sectorSize; o < size; o += sectorSize)
      if (::pwrite(fd_, ff.data(), sectorSize, o) != static_cast<ssize_t>(sectorSize)) break;
  }
}

FileFlash::~FileFlash() {
  if (fd_ >= 0) ::close(fd_);
}

bool FileFlash::read(uint32_t addr, void* out, size_t n) {
  if (addr + n > static_cast<uint64_t>(sectorSize_) * sectorCount_) return false;
  return ::pread(fd_, out, n, addr) == static_cast<ssize_t>(n);
}

bool FileFlash::write(uint32_t addr, const void* data, size_t n) {
  uint8_t buf[4096];
  const uint8_t* p = static_cast<const uint8_t*>(data);
  while (n > 0) {
    const size_t k = n < sizeof buf ? n : sizeof buf;
    if (!read(addr, buf, k)) return false;
    for (size_t i = 0; i < k; i++) buf[i] &= p[i];
    if (::pwrite(fd_, buf, k, addr) != static_cast<ssize_t>(k)) return false;
    addr += static_cast<uint32_t>(k);
    p += k;
    n -= k;
  }
  return true;
}

bool FileFlash::erase(uint32_t sector) {
  if (sector >= sectorCount_) return false;
  std::vector<uint8_t> ff(sectorSize_, 0xFF);
  return ::pwrite(fd_, ff.data(), sectorSize_, static_cast<off_t>(sector) * sectorSize_) ==
         static_cast<ssize_t>(sectorSize_);
}

}  // namespace crlinux
