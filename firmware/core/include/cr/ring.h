// The outage buffer: every reading is written to flash first (fixed 64-byte records with a CRC, in a ring of
// sectors), then published oldest-first; a record is marked sent (one byte cleared, no erase) only after the broker's
// PUBACK. Power-loss safe: a torn record fails its CRC and is skipped, never replayed; when the ring is full the
// oldest sector is erased and the unsent readings in it are counted as evicted, for the device to announce.
#pragma once
#include <cstdint>

#include "cr/contract.h"
#include "cr/encode.h"
#include "cr/flash.h"

namespace cr {

struct StoredReading {
  Reading reading;
  Kind kind = Kind::plug;
  /** The clock was not synced: reading.tsMs is monotonic ms of boot `bootId`, to be corrected once synced. */
  bool unsynced = false;
  uint32_t bootId = 0;
  uint32_t seq = 0;
};

class OutageRing {
 public:
  static constexpr uint32_t kRecordBytes = 64;
  /** Fields a record holds (the most any kind allows). */
  static constexpr uint32_t kMaxFields = 4;
  static constexpr uint32_t kMaxPeek = 64;

  explicit OutageRing(Flash& flash) : flash_(flash) {}

  /** Scans the flash and recovers the write position, the oldest unsent record and the counts. */
  bool mount();
  /** Writes one record (erasing the oldest sector when the ring is full); false on a flash failure or bad record. */
  bool append(const StoredReading& r);
  /** Up to `max` (≤ kMaxPeek) of the oldest unsent records, in order. */
  uint32_t peek(StoredReading* out, uint32_t max);
  /** Marks the first `n` records of the last peek as sent; false when an eviction invalidated that peek. */
  bool markSent(uint32_t n);

  /** The newest record written (sent or not); false when the ring is empty. */
  bool newest(StoredReading* out);
  uint32_t buffered() const { return buffered_; }
  uint32_t capacity() const { return slots_; }
  /** Unsent readings lost to eviction since mount. */
  uint64_t evicted() const { return evicted_; }
  /** Records found torn (bad CRC) at mount or skipped while writing. */
  uint32_t torn() const { return torn_; }
  uint32_t nextSeq() const { return nextSeq_; }

 private:
  enum class Slot : uint8_t { Blank, Valid, Torn };
  Slot readSlot(uint32_t slot, StoredReading* out, bool* sent);
  uint32_t addr(uint32_t slot) const { return slot * kRecordBytes; }
  uint32_t next(uint32_t slot) const { return slot + 1 == slots_ ? 0 : slot + 1; }
  void advanceTail(uint32_t from);
  /** Slots from `from` up to the write position (the whole ring when it is full of unsent records). */
  uint32_t span(uint32_t from) const;

  Flash& flash_;
  uint32_t slots_ = 0;
  uint32_t perSector_ = 0;
  uint32_t head_ = 0;
  uint32_t tail_ = 0;
  uint32_t buffered_ = 0;
  uint32_t nextSeq_ = 1;
  uint64_t evicted_ = 0;
  uint32_t torn_ = 0;
  uint32_t peekSlots_[kMaxPeek] = {};
  uint32_t peekCount_ = 0;
};

}  // namespace cr
