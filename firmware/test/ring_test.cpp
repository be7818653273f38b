// The outage ring on a RAM flash with NOR semantics and power cuts: order, remount, eviction accounting, torn writes.
#include <cr/ring.h>
#include <gtest/gtest.h>

#include <random>
#include <set>
#include <vector>

using namespace cr;

namespace {
constexpr uint32_t kSector = 4096;

struct Fixture {
  std::vector<uint8_t> mem;
  RamFlash flash;
  OutageRing ring;
  explicit Fixture(uint32_t sectors) : mem(kSector * sectors, 0x00), flash(mem.data(), kSector, sectors), ring(flash) {
    // Never-erased flash holds garbage (zeros here): mount must cope.
    EXPECT_TRUE(ring.mount());
  }
};

StoredReading reading(int64_t ts, double powerW) {
  StoredReading r;
  r.kind = Kind::plug;
  r.reading.tsMs = ts;
  r.reading.set(Field::powerW, powerW).set(Field::energyWh, ts / 1000.0);
  return r;
}

std::vector<int64_t> drain(OutageRing& ring, uint32_t batch = 7) {
  std::vector<int64_t> out;
  StoredReading buf[OutageRing::kMaxPeek];
  for (;;) {
    const uint32_t n = ring.peek(buf, batch);
    if (n == 0) return out;
    for (uint32_t i = 0; i < n; i++) out.push_back(buf[i].reading.tsMs);
    EXPECT_TRUE(ring.markSent(n));
  }
}
}  // namespace

TEST(OutageRing, ReplaysInOrderAndKeepsUnsentAcrossRemount) {
  Fixture f(4);
  for (int i = 0; i < 100; i++) ASSERT_TRUE(f.ring.append(reading(1000 + i, i)));
  EXPECT_EQ(f.ring.buffered(), 100u);
  StoredReading buf[10];
  ASSERT_EQ(f.ring.peek(buf, 10), 10u);
  EXPECT_EQ(buf[0].reading.tsMs, 1000);
  EXPECT_DOUBLE_EQ(buf[3].reading.get(Field::powerW), 3);
  EXPECT_DOUBLE_EQ(buf[3].reading.get(Field::energyWh), 1.003);
  ASSERT_TRUE(f.ring.markSent(10));

  OutageRing again(f.flash);
  ASSERT_TRUE(again.mount());
  EXPECT_EQ(again.buffered(), 90u);
  const auto ts = drain(again);
  ASSERT_EQ(ts.size(), 90u);
  for (size_t i = 0; i < ts.size(); i++) EXPECT_EQ(ts[i], 1010 + static_cast<int64_t>(i));
  EXPECT_EQ(again.nextSeq(), 101u);
  ASSERT_TRUE(again.append(reading(5000, 1)));
  EXPECT_EQ(drain(again), std::vector<int64_t>{5000});
}

TEST(OutageRing, EvictsTheOldestSectorAndCountsIt) {
  Fixture f(4);
  const uint32_t cap = f.ring.capacity();  // 4 × 64 records
  const uint32_t perSector = kSector / OutageRing::kRecordBytes;
  const uint32_t n = cap + 100;
  for (uint32_t i = 0; i < n; i++) ASSERT_TRUE(f.ring.append(reading(1000 + i, i)));
  // Accounting adds up: everything appended is buffered or evicted, and evictions are whole sectors.
  EXPECT_EQ(f.ring.buffered() + f.ring.evicted(), n);
  EXPECT_EQ(f.ring.evicted() % perSector, 0u);
  const auto ts = drain(f.ring);
  EXPECT_EQ(ts.size() + f.ring.evicted(), n);
  EXPECT_EQ(ts.front(), 1000 + static_cast<int64_t>(f.ring.evicted()));
  EXPECT_EQ(ts.back(), 1000 + static_cast<int64_t>(n) - 1);
  for (size_t i = 1; i < ts.size(); i++) ASSERT_EQ(ts[i], ts[i - 1] + 1);
  OutageRing again(f.flash);
  ASSERT_TRUE(again.mount());
  EXPECT_EQ(again.buffered(), 0u);
}

TEST(OutageRing, EvictionInvalidatesAPendingPeek) {
  Fixture f(2);
  for (uint32_t i = 0; i < f.ring.capacity(); i++) ASSERT_TRUE(f.ring.append(reading(1000 + i, i)));
  StoredReading buf[8];
  ASSERT_EQ(f.ring.peek(buf, 8), 8u);
  ASSERT_TRUE(f.ring.append(reading(99999, 1)));  // erases the sector the peek came from
  EXPECT_FALSE(f.ring.markSent(8));
  ASSERT_EQ(f.ring.peek(buf, 1), 1u);
  EXPECT_EQ(buf[0].reading.tsMs, 1000 + 64);
}

TEST(OutageRing, TornWriteIsDetectedAndSkipped) {
  Fixture f(4);
  f.flash.eraseAll();
  ASSERT_TRUE(f.ring.mount());
  for (int i = 0; i < 10; i++) ASSERT_TRUE(f.ring.append(reading(1000 + i, i)));
  f.flash.cutPowerAfter(30);  // half a record
  EXPECT_FALSE(f.ring.append(reading(1010, 10)));
  f.flash.restorePower();
  OutageRing again(f.flash);
  ASSERT_TRUE(again.mount());
  EXPECT_EQ(again.torn(), 1u);
  EXPECT_EQ(again.buffered(), 10u);
  ASSERT_TRUE(again.append(reading(1011, 11)));
  const auto ts = drain(again);
  ASSERT_EQ(ts.size(), 11u);
  EXPECT_EQ(ts.back(), 1011);
  for (size_t i = 1; i < ts.size(); i++) ASSERT_GT(ts[i], ts[i - 1]);
}

// Random appends, sends and power cuts at any byte; after every cut and remount: records come out in order, none
// that was acknowledged comes back, and every record whose append returned true is there, was sent or was evicted.
TEST(OutageRing, PowerCutsAnywhereKeepOrderAndLoseNothingAcknowledged) {
  Fixture f(3);
  std::mt19937 rng(18);
  // maybeSent: a markSent cut by the power marks some of its records (they were published, so either is fine).
  std::set<int64_t> committed, sent, maybeSent;
  int64_t ts = 1000;
  uint64_t evictedBefore = 0;
  for (int round = 0; round < 300; round++) {
    if (rng() % 3 == 0) f.flash.cutPowerAfter(rng() % 400);
    OutageRing* ring = &f.ring;
    for (int op = 0; op < 20 && !f.flash.dead(); op++) {
      if (rng() % 4 != 0) {
        if (ring->append(reading(ts, 1))) committed.insert(ts);
        ts++;
      } else {
        StoredReading buf[8];
        const uint32_t n = ring->peek(buf, 1 + rng() % 8);
        const uint32_t k = n == 0 ? 0 : rng() % (n + 1);
        const bool ok = ring->markSent(k);
        for (uint32_t i = 0; i < k; i++) (ok ? sent : maybeSent).insert(buf[i].reading.tsMs);
      }
    }
    evictedBefore += f.ring.evicted();
    f.flash.restorePower();
    ASSERT_TRUE(f.ring.mount());
    // Inspect without consuming: peek everything in windows.
    std::vector<int64_t> present;
    StoredReading buf[OutageRing::kMaxPeek];
    OutageRing probe(f.flash);
    ASSERT_TRUE(probe.mount());
    const uint32_t n = probe.peek(buf, OutageRing::kMaxPeek);
    for (uint32_t i = 0; i < n; i++) present.push_back(buf[i].reading.tsMs);
    for (size_t i = 1; i < present.size(); i++) ASSERT_GT(present[i], present[i - 1]);
    for (int64_t p : present) ASSERT_EQ(sent.count(p), 0u) << "acknowledged record " << p << " came back";
  }
  // Drain and check that every committed record was sent, is here now, or fell to eviction.
  std::vector<int64_t> rest = drain(f.ring);
  std::set<int64_t> seen(sent);
  seen.insert(maybeSent.begin(), maybeSent.end());
  seen.insert(rest.begin(), rest.end());
  uint64_t missing = 0;
  for (int64_t c : committed) missing += seen.count(c) == 0;
  EXPECT_GT(evictedBefore, 0u);  // the run did fill the ring
  EXPECT_LE(missing, evictedBefore + f.ring.evicted());
  for (size_t i = 1; i < rest.size(); i++) ASSERT_GT(rest[i], rest[i - 1]);
}
