#pragma once
#include <cstddef>
#include <cstdint>

namespace cr {

/** CRC-32 (IEEE 802.3, reflected, as zlib's crc32). */
uint32_t crc32(const void* data, size_t n, uint32_t crc = 0);
/** Dallas/Maxim CRC-8 (polynomial x^8+x^5+x^4+1, reflected), as the DS18B20 scratchpad carries. */
uint8_t crc8Maxim(const uint8_t* data, size_t n);
/** 64-bit FNV-1a: the idempotency log stores key hashes, not keys. */
uint64_t fnv1a64(const char* s, size_t n);

}  // namespace cr
