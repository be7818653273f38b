#include "cr/encode.h"

#include <cmath>

namespace cr {

namespace {
void body(const Reading& r, Writer& w) {
  w.raw("\"ts\":").integer(r.tsMs);
  for (size_t i = 0; i < kFieldCount; i++) {
    if (!r.has(static_cast<Field>(i))) continue;
    w.raw(",\"").raw(contract::kFields[i].key).raw("\":").number(r.values[i]);
  }
}
}  // namespace

bool encodeReading(const Reading& r, Writer& w) {
  w.raw("{\"v\":").integer(contract::kVersion).ch(',');
  body(r, w);
  w.ch('}');
  return w.ok();
}

bool encodeBatch(const Reading* readings, uint32_t n, Writer& w) {
  if (n == 0 || n > contract::kMaxBatchReadings) return false;
  w.raw("{\"v\":").integer(contract::kVersion).raw(",\"readings\":[");
  for (uint32_t i = 0; i < n; i++) {
    if (i > 0) w.ch(',');
    w.ch('{');
    body(readings[i], w);
    w.ch('}');
  }
  w.raw("]}");
  return w.ok();
}

bool encodeStatus(bool online, bool hasTs, int64_t tsMs, Writer& w) {
  w.raw("{\"v\":").integer(contract::kVersion).raw(",\"state\":\"").raw(online ? "online" : "offline").ch('"');
  if (hasTs) w.raw(",\"ts\":").integer(tsMs);
  w.ch('}');
  return w.ok();
}

bool readingInContract(const Reading& r, Kind kind) {
  if (r.tsMs < contract::kMinTimestampMs) return false;
  const auto& spec = kindSpec(kind);
  for (uint8_t i = 0; i < spec.requiredCount; i++)
    if (!r.has(spec.allowed[i])) return false;
  for (size_t i = 0; i < kFieldCount; i++) {
    const Field f = static_cast<Field>(i);
    if (!r.has(f)) continue;
    if (!kindAllows(kind, f)) return false;
    const double v = r.values[i];
    if (!(v >= contract::kFields[i].min && v <= contract::kFields[i].max)) return false;
  }
  return true;
}

}  // namespace cr
