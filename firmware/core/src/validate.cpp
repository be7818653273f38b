#include "cr/validate.h"

#include <cmath>
#include <cstdio>
#include <cstring>

namespace cr {

namespace {

struct Ctx {
  const JsonDoc& doc;
  int64_t receivedAtMs;
  ValidationResult* out;
};

Rejection* addReject(ValidationResult* out, RejectReason reason) {
  const uint32_t n = out->rejectCount++;
  if (n >= ValidationResult::kKept) return nullptr;
  out->rejects[n].reason = reason;
  out->rejects[n].detail[0] = '\0';
  return &out->rejects[n];
}

void reject(ValidationResult* out, RejectReason reason, const char* detail, size_t n) {
  Rejection* r = addReject(out, reason);
  if (r == nullptr) return;
  Writer w(r->detail, sizeof r->detail);
  w.raw(detail, n);
}
void reject(ValidationResult* out, RejectReason reason, const char* detail) {
  reject(out, reason, detail, std::strlen(detail));
}

/** A key of an object as UTF-8 (unescaped; long escaped keys are cut to what the buffer holds). */
struct Key {
  char buf[1024];
  const char* p;
  size_t n;
  Key(const JsonDoc& doc, uint32_t i) {
    const JsonToken& t = doc.at(i);
    if (!t.escaped) {
      p = doc.text() + t.start;
      n = t.end - t.start;
      return;
    }
    p = buf;
    if (!doc.copyString(i, buf, sizeof buf, &n)) {
      n = firstCharsBytes(buf, std::strlen(buf), sizeof buf);
    }
  }
  bool equals(const char* s) const { return std::strlen(s) == n && std::memcmp(p, s, n) == 0; }
  bool startsWith(const char* s) const {
    const size_t m = std::strlen(s);
    return n >= m && std::memcmp(p, s, m) == 0;
  }
};

bool sameKey(const JsonDoc& doc, uint32_t a, uint32_t b) {
  const JsonToken& ta = doc.at(a);
  const JsonToken& tb = doc.at(b);
  if (!ta.escaped && !tb.escaped)
    return ta.end - ta.start == tb.end - tb.start &&
           std::memcmp(doc.text() + ta.start, doc.text() + tb.start, ta.end - ta.start) == 0;
  const Key ka(doc, a);
  const Key kb(doc, b);
  return ka.n == kb.n && std::memcmp(ka.p, kb.p, ka.n) == 0;
}

/** Compares as JavaScript's default sort does: by UTF-16 code units. */
int compareUtf16(const char* a, size_t an, const char* b, size_t bn) {
  size_t i = 0, j = 0;
  uint16_t pendingA = 0, pendingB = 0;
  for (;;) {
    uint16_t ua, ub;
    const bool endA = pendingA == 0 && i >= an;
    const bool endB = pendingB == 0 && j >= bn;
    if (endA || endB) return endA && endB ? 0 : endA ? -1 : 1;
    const auto next = [](const char* s, size_t n, size_t* pos, uint16_t* pending) -> uint16_t {
      if (*pending != 0) {
        const uint16_t u = *pending;
        *pending = 0;
        return u;
      }
      size_t used = 1;
      const uint32_t cp = utf8Decode(s + *pos, n - *pos, &used);
      *pos += used;
      if (cp < 0x10000) return static_cast<uint16_t>(cp);
      *pending = static_cast<uint16_t>(0xDC00 + ((cp - 0x10000) & 0x3FF));
      return static_cast<uint16_t>(0xD800 + ((cp - 0x10000) >> 10));
    };
    ua = next(a, an, &i, &pendingA);
    ub = next(b, bn, &j, &pendingB);
    if (ua != ub) return ua < ub ? -1 : 1;
  }
}

bool isInteger(double v) { return std::isfinite(v) && std::floor(v) == v; }

/** checkTimestamp: true with *ts set, or false after adding the rejection. */
bool checkTimestamp(const Ctx& c, int32_t tsIdx, int64_t* ts) {
  const JsonDoc& doc = c.doc;
  if (tsIdx < 0 || doc.at(static_cast<uint32_t>(tsIdx)).type != JsonType::Number ||
      !isInteger(doc.number(static_cast<uint32_t>(tsIdx)))) {
    reject(c.out, RejectReason::bad_type, "ts must be integer ms since the Unix epoch");
    return false;
  }
  const double v = doc.number(static_cast<uint32_t>(tsIdx));
  char detail[96];
  Writer w(detail, sizeof detail);
  if (v < static_cast<double>(contract::kMinTimestampMs)) {
    w.raw("ts=").number(v);
    reject(c.out, RejectReason::ts_too_old, detail);
    return false;
  }
  if (v > static_cast<double>(c.receivedAtMs + contract::kMaxFutureSkewMs)) {
    w.raw("ts=").number(v).raw(" is ").number(v - static_cast<double>(c.receivedAtMs)).raw(" ms ahead");
    reject(c.out, RejectReason::ts_in_future, detail);
    return false;
  }
  *ts = static_cast<int64_t>(v);
  return true;
}

bool isContractField(const Key& k, Field* f) {
  for (size_t i = 0; i < kFieldCount; i++) {
    if (k.equals(contract::kFields[i].key)) {
      *f = static_cast<Field>(i);
      return true;
    }
  }
  return false;
}

void validateReading(const Ctx& c, uint32_t obj, Kind kind) {
  const JsonDoc& doc = c.doc;
  const int32_t tsIdx = doc.member(obj, "ts");
  if (tsIdx < 0) return reject(c.out, RejectReason::missing_field, "ts");
  int64_t ts = 0;
  if (!checkTimestamp(c, tsIdx, &ts)) return;

  // The first offending key in sorted order (JavaScript's sort of Object.keys) names the reason.
  int32_t worst = -1;
  RejectReason worstReason = RejectReason::unknown_field;
  doc.forEachMember(obj, [&](uint32_t k, uint32_t) {
    const Key key(doc, k);
    Field f;
    if (key.equals("ts") || key.equals("v")) return;
    const bool field = isContractField(key, &f);
    if (field && kindAllows(kind, f)) return;
    if (worst >= 0) {
      const Key best(doc, static_cast<uint32_t>(worst));
      if (compareUtf16(key.p, key.n, best.p, best.n) >= 0) return;
    }
    worst = static_cast<int32_t>(k);
    worstReason = RejectReason::unknown_field;
    if (!field) {
      for (const char* prefix : contract::kQuantityPrefixes) {
        if (key.startsWith(prefix)) {
          worstReason = RejectReason::wrong_unit;
          break;
        }
      }
    }
  });
  if (worst >= 0) {
    const Key key(doc, static_cast<uint32_t>(worst));
    Rejection* r = addReject(c.out, worstReason);
    if (r == nullptr) return;
    Writer w(r->detail, sizeof r->detail);
    Field f;
    if (isContractField(key, &f)) {
      w.raw(key.p, key.n).raw(" is not a field of ").raw(kindName(kind));
    } else if (worstReason == RejectReason::wrong_unit) {
      w.raw(key.p, key.n).raw(" (contract for ").raw(kindName(kind)).raw(": ");
      const auto& spec = kindSpec(kind);
      for (uint8_t i = 0; i < spec.allowedCount; i++) {
        if (i > 0) w.raw(", ");
        w.raw(fieldSpec(spec.allowed[i]).key);
      }
      w.ch(')');
    } else {
      w.raw(key.p, firstCharsBytes(key.p, key.n, 100));
    }
    return;
  }
  const auto& spec = kindSpec(kind);
  for (uint8_t i = 0; i < spec.requiredCount; i++) {
    if (doc.member(obj, fieldSpec(spec.allowed[i]).key) < 0)
      return reject(c.out, RejectReason::missing_field, fieldSpec(spec.allowed[i]).key);
  }
  ValidatedPoint point{};
  point.timeMs = ts;
  for (size_t i = 0; i < kFieldCount; i++) {
    const auto& field = contract::kFields[i];
    const int32_t idx = doc.member(obj, field.key);
    if (idx < 0) continue;
    char detail[160];
    Writer w(detail, sizeof detail);
    if (doc.at(static_cast<uint32_t>(idx)).type != JsonType::Number) {
      w.raw(field.key).raw(" must be a number");
      return reject(c.out, RejectReason::bad_type, detail);
    }
    const double v = doc.number(static_cast<uint32_t>(idx));
    if (!(v >= field.min && v <= field.max)) {
      w.raw(field.key).ch('=').number(v).raw(" outside [").number(field.min).raw(", ").number(field.max).raw("] ");
      w.raw(field.unit);
      return reject(c.out, RejectReason::out_of_range, detail);
    }
    point.fieldMask |= static_cast<uint16_t>(1u << i);
    point.values[i] = v;
  }
  if (c.out->pointCount < ValidationResult::kKept) c.out->points[c.out->pointCount] = point;
  c.out->pointCount++;
}

}  // namespace

namespace {
bool goSpace(uint32_t cp) {
  return cp == '\t' || cp == '\n' || cp == '\v' || cp == '\f' || cp == '\r' || cp == ' ' || cp == 0x85 ||
         cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 ||
         cp == 0x202F || cp == 0x205F || cp == 0x3000;
}
}  // namespace

void trimPayload(const char* s, size_t n, size_t* start, size_t* end) {
  size_t a = 0, b = n;
  while (a < b && s[a] == '\0') a++;
  while (b > a && s[b - 1] == '\0') b--;
  for (;;) {
    if (a >= b) break;
    size_t used = 1;
    const uint32_t cp = utf8Decode(s + a, b - a, &used);
    if (!goSpace(cp)) break;
    a += used;
  }
  while (b > a) {
    // Step back to the start of the last UTF-8 sequence.
    size_t k = b - 1;
    while (k > a && (static_cast<uint8_t>(s[k]) & 0xC0) == 0x80 && b - k < 4) k--;
    size_t used = 1;
    const uint32_t cp = utf8Decode(s + k, b - k, &used);
    if (k + used != b || !goSpace(cp)) break;
    b = k;
  }
  *start = a;
  *end = b;
}

size_t firstCharsBytes(const char* s, size_t len, size_t n) {
  size_t end = 0;
  for (size_t count = 0; count < n && end < len; count++) {
    size_t used = 1;
    utf8Decode(s + end, len - end, &used);
    end += used;
  }
  return end;
}

void stringifyJson(const JsonDoc& doc, uint32_t i, Writer& w) {
  const JsonToken& t = doc.at(i);
  switch (t.type) {
    case JsonType::Null: w.raw("null"); return;
    case JsonType::True: w.raw("true"); return;
    case JsonType::False: w.raw("false"); return;
    case JsonType::Number: w.number(doc.number(i)); return;
    case JsonType::String: {
      const Key k(doc, i);
      w.quoted(k.p, k.n);
      return;
    }
    case JsonType::Array: {
      w.ch('[');
      for (uint32_t n = 0; n < t.size; n++) {
        if (n > 0) w.ch(',');
        stringifyJson(doc, doc.element(i, n), w);
      }
      w.ch(']');
      return;
    }
    case JsonType::Object: {
      // A repeated key keeps its first position with its last value, as JSON.parse builds the object.
      w.ch('{');
      bool first = true;
      uint32_t seen = 0;
      doc.forEachMember(i, [&](uint32_t k, uint32_t) {
        bool earlier = false;
        uint32_t m = 0;
        doc.forEachMember(i, [&](uint32_t k2, uint32_t) {
          if (m++ < seen && sameKey(doc, k, k2)) earlier = true;
        });
        seen++;
        if (earlier) return;
        uint32_t last = k + 1;
        doc.forEachMember(i, [&](uint32_t k2, uint32_t v2) {
          if (sameKey(doc, k, k2)) last = v2;
        });
        if (!first) w.ch(',');
        first = false;
        const Key key(doc, k);
        w.quoted(key.p, key.n).ch(':');
        stringifyJson(doc, last, w);
      });
      w.ch('}');
      return;
    }
  }
}

void validateMessage(const char* topic, size_t topicLen, const char* payload, size_t payloadLen, int64_t receivedAtMs,
                     JsonToken* pool, uint32_t poolSize, ValidationResult* out) {
  *out = ValidationResult{};
  size_t start = 0, end = payloadLen;
  trimPayload(payload, payloadLen, &start, &end);
  const char* text = payload + start;
  const size_t len = end - start;
  char detail[128];
  Writer w(detail, sizeof detail);
  if (len > contract::kMaxPayloadBytes) {
    w.integer(static_cast<int64_t>(len)).raw(" bytes > ").integer(contract::kMaxPayloadBytes);
    return reject(out, RejectReason::payload_too_large, detail);
  }
  ParsedTopic parsed;
  if (!parseTopic(topic, topicLen, &parsed) ||
      (parsed.type != TopicType::Telemetry && parsed.type != TopicType::Status)) {
    return reject(out, RejectReason::bad_topic, topic, firstCharsBytes(topic, topicLen, 200));
  }
  JsonDoc doc(pool, poolSize);
  const JsonError err = doc.parse(text, len);
  if (err == JsonError::TooManyTokens) {
    w.raw("more than ").integer(poolSize).raw(" JSON tokens");
    return reject(out, RejectReason::payload_too_large, detail);
  }
  if (err != JsonError::None) return reject(out, RejectReason::bad_json, "not valid JSON");
  if (doc.at(0).type != JsonType::Object) return reject(out, RejectReason::bad_json, "not a JSON object");
  const Ctx c{doc, receivedAtMs, out};
  const int32_t v = doc.member(0, "v");
  if (v < 0 || doc.at(static_cast<uint32_t>(v)).type != JsonType::Number ||
      doc.number(static_cast<uint32_t>(v)) != contract::kVersion) {
    Rejection* r = addReject(out, RejectReason::bad_version);
    if (r == nullptr) return;
    Writer dw(r->detail, sizeof r->detail);
    dw.raw("v=");
    if (v < 0 || doc.at(static_cast<uint32_t>(v)).type == JsonType::Null) dw.raw("null");
    else stringifyJson(doc, static_cast<uint32_t>(v), dw);
    return;
  }
  if (parsed.type == TopicType::Status) {
    out->status = true;
    const int32_t state = doc.member(0, "state");
    bool online = false;
    const bool good = state >= 0 && (doc.stringEquals(static_cast<uint32_t>(state), contract::kDeviceStates[0]) ||
                                     doc.stringEquals(static_cast<uint32_t>(state), contract::kDeviceStates[1]));
    if (!good) {
      Rejection* r = addReject(out, RejectReason::bad_state);
      if (r == nullptr) return;
      Writer dw(r->detail, sizeof r->detail);
      dw.raw("state=");
      if (state < 0 || doc.at(static_cast<uint32_t>(state)).type == JsonType::Null) dw.raw("null");
      else stringifyJson(doc, static_cast<uint32_t>(state), dw);
      return;
    }
    online = doc.stringEquals(static_cast<uint32_t>(state), contract::kDeviceStates[0]);
    int64_t timeMs = receivedAtMs;
    const int32_t ts = doc.member(0, "ts");
    if (ts >= 0 && !checkTimestamp(c, ts, &timeMs)) return;
    out->points[0] = ValidatedPoint{};
    out->points[0].timeMs = timeMs;
    out->points[0].online = online;
    out->pointCount = 1;
    return;
  }
  const int32_t readings = doc.member(0, "readings");
  if (readings < 0) return validateReading(c, 0, parsed.kind);
  const JsonToken& list = doc.at(static_cast<uint32_t>(readings));
  if (list.type != JsonType::Array) return reject(out, RejectReason::bad_batch, "readings is not a list");
  if (list.size == 0) return reject(out, RejectReason::bad_batch, "readings is empty");
  if (list.size > contract::kMaxBatchReadings) {
    w.integer(list.size).raw(" readings > ").integer(contract::kMaxBatchReadings);
    return reject(out, RejectReason::bad_batch, detail);
  }
  bool badKey = false;
  doc.forEachMember(0, [&](uint32_t k, uint32_t) {
    if (badKey) return;
    const Key key(doc, k);
    if (key.equals("v") || key.equals("readings")) return;
    badKey = true;
    Rejection* r = addReject(out, RejectReason::bad_batch);
    if (r == nullptr) return;
    Writer dw(r->detail, sizeof r->detail);
    dw.raw("unexpected envelope key ").raw(key.p, key.n);
  });
  if (badKey) return;
  for (uint32_t n = 0; n < list.size; n++) {
    if (doc.at(doc.element(static_cast<uint32_t>(readings), n)).type != JsonType::Object)
      return reject(out, RejectReason::bad_batch, "a reading is not an object");
  }
  uint32_t item = static_cast<uint32_t>(readings) + 1;
  for (uint32_t n = 0; n < list.size; n++) {
    validateReading(c, item, parsed.kind);
    item = doc.at(item).next;
  }
}

}  // namespace cr
