#include "cr/ring.h"

#include <cstring>

#include "cr/crc.h"

namespace cr {

namespace {
constexpr uint16_t kMagic = 0x5243;  // "CR"
constexpr uint8_t kLayout = 1;
constexpr uint32_t kCrcAt = 56;
constexpr uint32_t kSentAt = 60;
constexpr uint8_t kUnsyncedFlag = 1;

template <typename T>
void put(uint8_t* b, uint32_t at, T v) {
  std::memcpy(b + at, &v, sizeof v);
}
template <typename T>
T get(const uint8_t* b, uint32_t at) {
  T v;
  std::memcpy(&v, b + at, sizeof v);
  return v;
}
}  // namespace

OutageRing::Slot OutageRing::readSlot(uint32_t slot, StoredReading* out, bool* sent) {
  uint8_t b[kRecordBytes];
  if (!flash_.read(addr(slot), b, sizeof b)) return Slot::Torn;
  bool blank = true;
  for (uint8_t x : b) blank = blank && x == 0xFF;
  if (blank) return Slot::Blank;
  if (get<uint16_t>(b, 0) != kMagic || b[2] != kLayout || get<uint32_t>(b, kCrcAt) != crc32(b, kCrcAt) ||
      b[3] >= kKindCount)
    return Slot::Torn;
  if (out != nullptr) {
    *out = StoredReading{};
    out->kind = static_cast<Kind>(b[3]);
    out->seq = get<uint32_t>(b, 4);
    out->reading.tsMs = get<int64_t>(b, 8);
    out->bootId = get<uint32_t>(b, 16);
    const uint16_t mask = get<uint16_t>(b, 20);
    out->unsynced = (b[22] & kUnsyncedFlag) != 0;
    uint32_t k = 0;
    for (uint32_t f = 0; f < kFieldCount && k < kMaxFields; f++) {
      if ((mask >> f) & 1u) out->reading.set(static_cast<Field>(f), get<double>(b, 24 + 8 * k++));
    }
  } else {
    // seq only
  }
  if (sent != nullptr) *sent = b[kSentAt] != 0xFF;
  return Slot::Valid;
}

bool OutageRing::mount() {
  perSector_ = flash_.sectorSize() / kRecordBytes;
  slots_ = perSector_ * flash_.sectorCount();
  if (perSector_ == 0 || flash_.sectorCount() < 2) return false;
  buffered_ = 0;
  torn_ = 0;
  evicted_ = 0;
  peekCount_ = 0;
  bool any = false;
  uint32_t maxSeq = 0, maxSlot = 0;
  for (uint32_t s = 0; s < slots_; s++) {
    StoredReading r;
    const Slot kind = readSlot(s, &r, nullptr);
    if (kind == Slot::Torn) torn_++;
    if (kind == Slot::Valid && (!any || r.seq > maxSeq)) {
      any = true;
      maxSeq = r.seq;
      maxSlot = s;
    }
  }
  if (!any) {
    head_ = tail_ = 0;
    nextSeq_ = 1;
    return true;
  }
  nextSeq_ = maxSeq + 1;
  head_ = next(maxSlot);
  // Torn records after the newest one cannot be rewritten without an erase: write after them.
  while (head_ % perSector_ != 0 && readSlot(head_, nullptr, nullptr) != Slot::Blank) head_ = next(head_);
  // Oldest to newest: from the sector after the newest one, cyclically, up to the write position.
  const uint32_t headSector = maxSlot / perSector_;
  const uint32_t start = ((headSector + 1) % flash_.sectorCount()) * perSector_;
  tail_ = head_;
  bool tailFound = false;
  for (uint32_t s = start;; s = next(s)) {
    bool sent = false;
    if (readSlot(s, nullptr, &sent) == Slot::Valid && !sent) {
      buffered_++;
      if (!tailFound) {
        tail_ = s;
        tailFound = true;
      }
    }
    if (s == maxSlot) break;
  }
  return true;
}

uint32_t OutageRing::span(uint32_t from) const {
  if (from == head_) return from == tail_ && buffered_ > 0 ? slots_ : 0;
  return (head_ + slots_ - from) % slots_;
}

void OutageRing::advanceTail(uint32_t from) {
  const uint32_t steps = span(from);
  uint32_t s = from;
  for (uint32_t i = 0; i < steps; i++, s = next(s)) {
    bool sent = false;
    if (readSlot(s, nullptr, &sent) == Slot::Valid && !sent) {
      tail_ = s;
      return;
    }
  }
  tail_ = head_;
}

bool OutageRing::append(const StoredReading& r) {
  if (slots_ == 0) return false;
  uint8_t b[kRecordBytes];
  std::memset(b, 0xFF, sizeof b);
  put<uint16_t>(b, 0, kMagic);
  b[2] = kLayout;
  b[3] = static_cast<uint8_t>(r.kind);
  put<uint32_t>(b, 4, nextSeq_);
  put<int64_t>(b, 8, r.reading.tsMs);
  put<uint32_t>(b, 16, r.bootId);
  uint16_t mask = 0;
  uint32_t k = 0;
  for (uint32_t f = 0; f < kFieldCount; f++) {
    if (!r.reading.has(static_cast<Field>(f))) continue;
    if (k == kMaxFields) return false;
    mask |= static_cast<uint16_t>(1u << f);
    put<double>(b, 24 + 8 * k++, r.reading.values[f]);
  }
  for (; k < kMaxFields; k++) put<double>(b, 24 + 8 * k, 0.0);
  put<uint16_t>(b, 20, mask);
  b[22] = r.unsynced ? kUnsyncedFlag : 0;
  b[23] = 0;
  put<uint32_t>(b, kCrcAt, crc32(b, kCrcAt));

  for (;;) {
    if (head_ % perSector_ == 0) {
      // Entering a sector: erase it, evicting the unsent readings it still holds (the oldest ones).
      const uint32_t first = head_;
      uint32_t lost = 0;
      bool tailInside = false;
      for (uint32_t s = first; s < first + perSector_; s++) {
        bool sent = false;
        if (readSlot(s, nullptr, &sent) == Slot::Valid && !sent) lost++;
        if (s == tail_ && buffered_ > 0) tailInside = true;
      }
      if (lost > 0 || tailInside) peekCount_ = 0;
      if (!flash_.erase(first / perSector_)) return false;
      evicted_ += lost;
      buffered_ -= lost;
      if (tailInside) {
        const uint32_t after = (first + perSector_) % slots_;
        // head_ stays at `first` until written, so the walk ends there.
        tail_ = after;
        advanceTail(after);
      }
    } else if (readSlot(head_, nullptr, nullptr) != Slot::Blank) {
      torn_++;
      head_ = next(head_);
      continue;
    }
    break;
  }
  const bool wasEmpty = buffered_ == 0;
  if (!flash_.write(addr(head_), b, kRecordBytes)) return false;
  if (wasEmpty) tail_ = head_;
  head_ = next(head_);
  nextSeq_++;
  buffered_++;
  return true;
}

bool OutageRing::newest(StoredReading* out) {
  if (slots_ == 0 || nextSeq_ == 1) return false;
  uint32_t s = head_;
  for (uint32_t i = 0; i < perSector_; i++) {
    s = s == 0 ? slots_ - 1 : s - 1;
    if (readSlot(s, out, nullptr) == Slot::Valid) return true;
  }
  return false;
}

uint32_t OutageRing::peek(StoredReading* out, uint32_t max) {
  if (max > kMaxPeek) max = kMaxPeek;
  peekCount_ = 0;
  if (buffered_ == 0) return 0;
  const uint32_t steps = span(tail_);
  uint32_t s = tail_;
  for (uint32_t i = 0; i < steps && peekCount_ < max; i++, s = next(s)) {
    bool sent = false;
    if (readSlot(s, &out[peekCount_], &sent) != Slot::Valid || sent) continue;
    peekSlots_[peekCount_++] = s;
  }
  return peekCount_;
}

bool OutageRing::markSent(uint32_t n) {
  if (n > peekCount_) return false;
  const uint8_t zero = 0;
  for (uint32_t i = 0; i < n; i++) {
    if (!flash_.write(addr(peekSlots_[i]) + kSentAt, &zero, 1)) return false;
    buffered_--;
  }
  if (n > 0) advanceTail(next(peekSlots_[n - 1]));
  // The rest of the peek stays valid for a second markSent.
  for (uint32_t i = n; i < peekCount_; i++) peekSlots_[i - n] = peekSlots_[i];
  peekCount_ -= n;
  return true;
}

}  // namespace cr
