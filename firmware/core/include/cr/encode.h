// Telemetry encoding per the contract (libs/telemetry/src/encode.ts): one reading, a batch, a status. Byte-identical
// to the TypeScript encoder (test/fixtures/encoding.json is made by it).
#pragma once
#include <cstdint>

#include "cr/contract.h"
#include "cr/text.h"

namespace cr {

/** One reading as the device holds it: device time plus any contract fields (bit i of fieldMask: Field i present). */
struct Reading {
  int64_t tsMs = 0;
  uint16_t fieldMask = 0;
  double values[kFieldCount] = {};

  Reading& set(Field f, double v) {
    fieldMask |= static_cast<uint16_t>(1u << static_cast<unsigned>(f));
    values[static_cast<size_t>(f)] = v;
    return *this;
  }
  bool has(Field f) const { return (fieldMask >> static_cast<unsigned>(f)) & 1u; }
  double get(Field f) const { return values[static_cast<size_t>(f)]; }
};

/** `{"v":1,"ts":…,"powerW":…}`; false when the buffer is too small. */
bool encodeReading(const Reading& r, Writer& w);
/** `{"v":1,"readings":[{"ts":…,…},…]}` (n ≤ contract::kMaxBatchReadings). */
bool encodeBatch(const Reading* readings, uint32_t n, Writer& w);
/** Retained status; without a clock (hasTs false: the last will, or a clock not yet synced) the receiver's time. */
bool encodeStatus(bool online, bool hasTs, int64_t tsMs, Writer& w);

/**
 * Whether a reading is inside the contract for `kind` (required fields present, only allowed fields, values in range,
 * ts after contract::kMinTimestampMs): the device refuses to queue anything Telegraf would reject.
 */
bool readingInContract(const Reading& r, Kind kind);

}  // namespace cr
