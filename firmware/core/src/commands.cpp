#include "cr/commands.h"

#include <cmath>
#include <cstring>

#include "cr/contract.h"
#include "cr/crc.h"
#include "cr/flash.h"
#include "cr/json.h"

namespace cr {

namespace {

// A 1 KiB command holds at most ~514 JSON values; the pool is static (no heap, not on the task stack).
constexpr uint32_t kCommandTokens = 520;
JsonToken gPool[kCommandTokens];

bool fail(ParseError* e, CommandReject reason, const char* field, const char* a, const char* b = "",
          const char* c = "", const char* d = "") {
  e->failed = true;
  e->reason = reason;
  Writer f(e->field, sizeof e->field);
  f.raw(field);
  Writer m(e->message, sizeof e->message);
  m.raw(a).raw(b).raw(c).raw(d);
  return false;
}

/** Parses an object payload; false after recording bad_json (or payload_too_large past the token pool). */
bool parseObject(JsonDoc& doc, const char* payload, size_t n, const char* what, ParseError* e) {
  const JsonError err = doc.parse(payload, n);
  if (err == JsonError::TooManyTokens || err == JsonError::TooDeep)
    return fail(e, CommandReject::payload_too_large, "", what, ": too many or too deeply nested JSON values");
  if (err != JsonError::None) return fail(e, CommandReject::bad_json, "", what, ": payload is not JSON");
  if (doc.at(0).type != JsonType::Object) return fail(e, CommandReject::bad_json, "", what, ": payload must be a JSON object");
  return true;
}

bool isKey(const char* s) {
  const size_t n = std::strlen(s);
  if (n == 0 || n > contract::kMaxKeyLength) return false;
  for (size_t i = 0; i < n; i++)
    if (static_cast<uint8_t>(s[i]) < 0x21 || static_cast<uint8_t>(s[i]) > 0x7e) return false;
  return true;
}

/** A string member copied out; false when absent, not a string, or longer than `cap` (then *tooLong). */
bool readString(const JsonDoc& doc, int32_t i, char* out, size_t cap, bool* tooLong) {
  *tooLong = false;
  if (i < 0 || doc.at(static_cast<uint32_t>(i)).type != JsonType::String) return false;
  if (!doc.copyString(static_cast<uint32_t>(i), out, cap)) {
    *tooLong = true;
    out[0] = '\0';
    return false;
  }
  return true;
}

bool keyField(const JsonDoc& doc, const char* field, const char* what, char* out, size_t cap, ParseError* e) {
  const int32_t i = doc.member(0, field);
  if (i < 0) return fail(e, CommandReject::missing_field, field, what, ": ", field, " is missing");
  if (doc.at(static_cast<uint32_t>(i)).type != JsonType::String)
    return fail(e, CommandReject::bad_type, field, what, ": ", field, " must be a string");
  bool tooLong = false;
  if (!readString(doc, i, out, cap, &tooLong) || !isKey(out))
    return fail(e, CommandReject::bad_value, field, what, ": ", field, " must be 1-128 printable ASCII characters");
  return true;
}

bool idField(const JsonDoc& doc, const char* field, char* out, size_t cap, ParseError* e) {
  const int32_t i = doc.member(0, field);
  if (i < 0) return fail(e, CommandReject::missing_field, field, "command: ", field, " is missing");
  if (doc.at(static_cast<uint32_t>(i)).type != JsonType::String)
    return fail(e, CommandReject::bad_type, field, "command: ", field, " must be a string");
  bool tooLong = false;
  if (!readString(doc, i, out, cap, &tooLong) || !isValidId(out))
    return fail(e, CommandReject::bad_value, field, "command: ", field, " is not a valid id");
  return true;
}

/** An optional ISO time member: *present false when absent; false after an error. */
bool isoField(const JsonDoc& doc, const char* field, const char* what, char* out, size_t cap, bool* present,
              ParseError* e) {
  const int32_t i = doc.member(0, field);
  *present = i >= 0;
  if (i < 0) return true;
  if (doc.at(static_cast<uint32_t>(i)).type != JsonType::String)
    return fail(e, CommandReject::bad_type, field, what, ": ", field, " must be an ISO-8601 time");
  bool tooLong = false;
  int64_t ms = 0;
  if (!readString(doc, i, out, cap, &tooLong) || !parseContractTime(out, std::strlen(out), &ms))
    return fail(e, CommandReject::bad_value, field, what, ": ", field, " must be an ISO-8601 time");
  return true;
}

bool safeInteger(const JsonDoc& doc, int32_t i, double min, int64_t* out) {
  if (i < 0 || doc.at(static_cast<uint32_t>(i)).type != JsonType::Number) return false;
  const double v = doc.number(static_cast<uint32_t>(i));
  if (!std::isfinite(v) || std::floor(v) != v || std::fabs(v) > 9007199254740991.0 || v < min) return false;
  *out = static_cast<int64_t>(v);
  return true;
}

bool digits(const char* s, size_t at, size_t count, unsigned* out) {
  unsigned v = 0;
  for (size_t i = 0; i < count; i++) {
    const char c = s[at + i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<unsigned>(c - '0');
  }
  *out = v;
  return true;
}

}  // namespace

bool parseContractTime(const char* s, size_t n, int64_t* ms) {
  // ^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$, then V8's Date.parse ranges:
  // month 1-12, day 1-31 (rolling over as Date does), hour 0-24 (24 only at :00:00.000), offsets up to 23:59.
  unsigned y, mo, d, h, mi, sec = 0, frac = 0;
  if (n < 17 || !digits(s, 0, 4, &y) || s[4] != '-' || !digits(s, 5, 2, &mo) || s[7] != '-' || !digits(s, 8, 2, &d) ||
      s[10] != 'T' || !digits(s, 11, 2, &h) || s[13] != ':' || !digits(s, 14, 2, &mi))
    return false;
  size_t p = 16;
  bool fraction = false;
  if (p < n && s[p] == ':') {
    if (p + 3 > n || !digits(s, p + 1, 2, &sec)) return false;
    p += 3;
    if (p < n && s[p] == '.') {
      p++;
      const size_t start = p;
      unsigned scale = 100;
      while (p < n && s[p] >= '0' && s[p] <= '9') {
        frac += static_cast<unsigned>(s[p] - '0') * scale;
        scale /= 10;
        p++;
      }
      if (p == start || p - start > 9) return false;
      fraction = true;
    }
  }
  (void)fraction;
  int64_t offsetMin = 0;
  if (p + 1 == n && s[p] == 'Z') {
    // UTC
  } else if (p + 6 == n && (s[p] == '+' || s[p] == '-') && s[p + 3] == ':') {
    unsigned oh, om;
    if (!digits(s, p + 1, 2, &oh) || !digits(s, p + 4, 2, &om) || oh > 23 || om > 59) return false;
    offsetMin = (s[p] == '-' ? -1 : 1) * static_cast<int64_t>(oh * 60 + om);
  } else {
    return false;
  }
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || mi > 59 || sec > 59 || h > 24) return false;
  if (h == 24 && (mi != 0 || sec != 0 || frac != 0)) return false;
  *ms = ((daysFromCivil(y, mo, 1) + (d - 1)) * 24 + h) * 3600000 + static_cast<int64_t>(mi) * 60000 +
        static_cast<int64_t>(sec) * 1000 + frac - offsetMin * 60000;
  return true;
}

void parseCommand(const char* payload, size_t n, const char* homeId, const char* deviceId, ParsedCommand* out) {
  *out = ParsedCommand{};
  ParseError* e = &out->error;
  if (n > kMaxCommandBytes) {
    char limit[16];
    Writer w(limit, sizeof limit);
    w.integer(kMaxCommandBytes);
    fail(e, CommandReject::payload_too_large, "", "command: over ", limit, " bytes");
    return;
  }
  JsonDoc doc(gPool, kCommandTokens);
  if (!parseObject(doc, payload, n, "command", e)) return;
  bool tooLong = false;
  const int32_t k = doc.member(0, "idempotencyKey");
  if (readString(doc, k, out->key, sizeof out->key, &tooLong) && isKey(out->key)) out->hasKey = true;
  else out->key[0] = '\0';
  const int32_t v = doc.member(0, "v");
  if (v < 0 || doc.at(static_cast<uint32_t>(v)).type != JsonType::Number ||
      doc.number(static_cast<uint32_t>(v)) != contract::kCommandVersion) {
    fail(e, CommandReject::bad_version, "v", "command: v must be 1");
    return;
  }
  char key[kMaxKeyLen + 1];
  if (!keyField(doc, "idempotencyKey", "command", key, sizeof key, e) ||
      !idField(doc, "homeId", out->homeId, sizeof out->homeId, e) ||
      !idField(doc, "deviceId", out->deviceId, sizeof out->deviceId, e) ||
      !keyField(doc, "appliance", "command", out->appliance, sizeof out->appliance, e) ||
      !keyField(doc, "requestId", "command", out->requestId, sizeof out->requestId, e))
    return;
  const int32_t a = doc.member(0, "action");
  if (a < 0) {
    fail(e, CommandReject::missing_field, "action", "command: action is missing");
    return;
  }
  if (doc.at(static_cast<uint32_t>(a)).type != JsonType::String) {
    fail(e, CommandReject::bad_type, "action", "command: action must be a string");
    return;
  }
  if (doc.stringEquals(static_cast<uint32_t>(a), contract::kCommandActions[0])) {
    out->action = Action::start;
  } else if (doc.stringEquals(static_cast<uint32_t>(a), contract::kCommandActions[1])) {
    out->action = Action::stop;
  } else {
    char shown[40];
    Writer w(shown, sizeof shown);
    char raw[24];
    if (readString(doc, a, raw, sizeof raw, &tooLong)) w.quoted(raw);
    else w.raw("\"…\"");
    fail(e, CommandReject::bad_value, "action", "command: action ", shown, " is not start or stop");
    return;
  }
  bool present = false;
  if (!isoField(doc, "plannedAt", "command", out->plannedAt, sizeof out->plannedAt, &present, e)) return;
  if (!present) {
    fail(e, CommandReject::missing_field, "plannedAt", "command: plannedAt is missing");
    return;
  }
  parseContractTime(out->plannedAt, std::strlen(out->plannedAt), &out->plannedAtMs);
  const int32_t pv = doc.member(0, "planVersion");
  if (pv < 0) {
    fail(e, CommandReject::missing_field, "planVersion", "command: planVersion is missing");
    return;
  }
  if (!safeInteger(doc, pv, 0, &out->planVersion)) {
    fail(e, CommandReject::bad_type, "planVersion", "command: planVersion must be a non-negative integer");
    return;
  }
  if (std::strcmp(out->homeId, homeId) != 0) {
    fail(e, CommandReject::wrong_device, "homeId", "command: for home ", out->homeId, ", not ", homeId);
    return;
  }
  if (std::strcmp(out->deviceId, deviceId) != 0) {
    fail(e, CommandReject::wrong_device, "deviceId", "command: for device ", out->deviceId, ", not ", deviceId);
    return;
  }
}

void parseAck(const char* payload, size_t n, ParsedAck* out) {
  *out = ParsedAck{};
  ParseError* e = &out->error;
  JsonDoc doc(gPool, kCommandTokens);
  if (!parseObject(doc, payload, n, "ack", e)) return;
  const int32_t ok = doc.member(0, "ok");
  if (ok < 0 || (doc.at(static_cast<uint32_t>(ok)).type != JsonType::True &&
                 doc.at(static_cast<uint32_t>(ok)).type != JsonType::False)) {
    fail(e, ok < 0 ? CommandReject::missing_field : CommandReject::bad_type, "ok", "ack: ok must be true or false");
    return;
  }
  out->ok = doc.at(static_cast<uint32_t>(ok)).type == JsonType::True;
  const int32_t k = doc.member(0, "idempotencyKey");
  const int32_t r = doc.member(0, "reason");
  bool tooLong = false;
  out->hasKey = readString(doc, k, out->key, sizeof out->key, &tooLong) && isKey(out->key);
  const bool nullKey = k >= 0 && doc.at(static_cast<uint32_t>(k)).type == JsonType::Null;
  if (!out->hasKey &&
      !(nullKey && !out->ok && r >= 0 && doc.at(static_cast<uint32_t>(r)).type == JsonType::String)) {
    fail(e, k < 0 ? CommandReject::missing_field : CommandReject::bad_type, "idempotencyKey",
         "ack: idempotencyKey must be a non-empty string");
    return;
  }
  if (!out->hasKey) out->key[0] = '\0';
  bool present = false;
  if (!isoField(doc, "at", "ack", out->at, sizeof out->at, &present, e)) return;
  if (r >= 0) {
    bool known = false;
    for (size_t i = 0; i < kRejectCount; i++) {
      if (doc.stringEquals(static_cast<uint32_t>(r), contract::kCommandRejects[i])) {
        out->reason = static_cast<CommandReject>(i);
        known = true;
      }
    }
    if (!known) {
      fail(e, CommandReject::bad_value, "reason", "ack: unknown reason");
      return;
    }
    out->hasReason = true;
  }
  const int32_t er = doc.member(0, "error");
  if (er >= 0) {
    if (doc.at(static_cast<uint32_t>(er)).type != JsonType::String) {
      fail(e, CommandReject::bad_type, "error", "ack: error must be a string");
      return;
    }
    // An error text longer than the buffer is cut: the ack itself is still valid.
    if (!doc.copyString(static_cast<uint32_t>(er), out->errorText, sizeof out->errorText)) out->errorText[0] = '\0';
    out->hasError = true;
  }
}

void parseEvent(const char* payload, size_t n, ParsedEvent* out) {
  *out = ParsedEvent{};
  ParseError* e = &out->error;
  JsonDoc doc(gPool, kCommandTokens);
  if (!parseObject(doc, payload, n, "event", e)) return;
  bool present = false;
  if (!isoField(doc, "at", "event", out->at, sizeof out->at, &present, e)) return;
  const int32_t t = doc.member(0, "type");
  if (t >= 0 && doc.stringEquals(static_cast<uint32_t>(t), contract::kDeviceEventTypes[0])) {
    out->type = EventType::manual_start;
    return;
  }
  if (t >= 0 && doc.stringEquals(static_cast<uint32_t>(t), contract::kDeviceEventTypes[1])) {
    out->type = EventType::readings_evicted;
    if (!safeInteger(doc, doc.member(0, "count"), 1, &out->count))
      fail(e, CommandReject::bad_type, "count", "event: count must be a positive integer");
    return;
  }
  fail(e, t < 0 ? CommandReject::missing_field : CommandReject::bad_value, "type",
       "event: unknown type (expected one of manual_start, readings_evicted)");
}

void parseNotification(const char* payload, size_t n, ParsedNotification* out) {
  *out = ParsedNotification{};
  ParseError* e = &out->error;
  JsonDoc doc(gPool, kCommandTokens);
  if (!parseObject(doc, payload, n, "notification", e)) return;
  const int32_t v = doc.member(0, "v");
  if (v < 0 || doc.at(static_cast<uint32_t>(v)).type != JsonType::Number ||
      doc.number(static_cast<uint32_t>(v)) != contract::kCommandVersion) {
    fail(e, CommandReject::bad_version, "v", "notification: v must be 1");
    return;
  }
  if (!keyField(doc, "id", "notification", out->id, sizeof out->id, e)) return;
  const int32_t k = doc.member(0, "kind");
  bool known = false;
  for (uint8_t i = 0; i < sizeof contract::kNotificationKinds / sizeof contract::kNotificationKinds[0]; i++) {
    if (k >= 0 && doc.stringEquals(static_cast<uint32_t>(k), contract::kNotificationKinds[i])) {
      out->kind = i;
      known = true;
    }
  }
  if (!known) {
    fail(e, CommandReject::bad_value, "kind", "notification: unknown kind");
    return;
  }
  bool tooLong = false;
  const int32_t title = doc.member(0, "title");
  if (title < 0 || doc.at(static_cast<uint32_t>(title)).type != JsonType::String) {
    fail(e, CommandReject::bad_type, "title", "notification: title must be a string");
    return;
  }
  const int32_t body = doc.member(0, "body");
  if (body < 0 || doc.at(static_cast<uint32_t>(body)).type != JsonType::String) {
    fail(e, CommandReject::bad_type, "body", "notification: body must be a string");
    return;
  }
  // A display shows what fits: longer texts are cut to whole characters.
  if (!readString(doc, title, out->title, sizeof out->title, &tooLong)) out->title[0] = '\0';
  if (!readString(doc, body, out->body, sizeof out->body, &tooLong)) out->body[0] = '\0';
  bool present = false;
  if (!isoField(doc, "at", "notification", out->at, sizeof out->at, &present, e)) return;
  if (!present) {
    fail(e, CommandReject::missing_field, "at", "notification: at is missing");
    return;
  }
  if (!isoField(doc, "from", "notification", out->from, sizeof out->from, &present, e)) return;
  isoField(doc, "to", "notification", out->to, sizeof out->to, &present, e);
}

bool encodeAck(const char* key, bool ok, bool hasAt, int64_t atMs, const CommandReject* reason, const char* error,
               Writer& w) {
  w.raw("{\"idempotencyKey\":");
  if (key != nullptr) w.quoted(key);
  else w.raw("null");
  w.raw(",\"ok\":").raw(ok ? "true" : "false");
  if (hasAt) w.raw(",\"at\":\"").isoTime(atMs).ch('"');
  if (reason != nullptr) w.raw(",\"reason\":\"").raw(rejectName(*reason)).ch('"');
  if (error != nullptr) w.raw(",\"error\":").quoted(error);
  w.ch('}');
  return w.ok();
}

bool encodeEvent(EventType type, int64_t count, bool hasAt, int64_t atMs, Writer& w) {
  w.raw("{\"type\":\"").raw(contract::kDeviceEventTypes[static_cast<size_t>(type)]).ch('"');
  if (type == EventType::readings_evicted) w.raw(",\"count\":").integer(count);
  if (hasAt) w.raw(",\"at\":\"").isoTime(atMs).ch('"');
  w.ch('}');
  return w.ok();
}

namespace {
constexpr uint32_t kStateMagic = 0x43525354;  // "CRST"
constexpr uint32_t kCommitted = 0x00000000;
struct BlobHeader {
  uint32_t magic;
  uint32_t seq;
  uint32_t len;
  uint32_t crc;
};
}  // namespace

bool BlobStore::load(void* out, uint32_t len) {
  std::memset(out, 0, len);
  bool found = false;
  for (uint32_t k = 0; k < 2; k++) {
    const uint32_t base = (first_ + k) * flash_.sectorSize();
    BlobHeader h;
    uint32_t commit = 0xFFFFFFFF;
    if (sizeof h + len + 4 > flash_.sectorSize()) return false;
    if (!flash_.read(base, &h, sizeof h) || h.magic != kStateMagic || h.len != len) continue;
    if (!flash_.read(base + sizeof h + h.len, &commit, sizeof commit) || commit != kCommitted) continue;
    // CRC over the flash bytes in chunks (no second copy of the blob in RAM).
    uint32_t crc = 0;
    uint8_t chunk[128];
    bool readable = true;
    for (uint32_t o = 0; o < len && readable; o += sizeof chunk) {
      const uint32_t n = len - o < sizeof chunk ? len - o : static_cast<uint32_t>(sizeof chunk);
      readable = flash_.read(base + sizeof h + o, chunk, n);
      crc = crc32(chunk, n, crc);
    }
    if (!readable || crc != h.crc || (found && h.seq <= seq_)) continue;
    if (!flash_.read(base + sizeof h, out, len)) continue;
    found = true;
    seq_ = h.seq;
    current_ = k;
  }
  return found;
}

bool BlobStore::save(const void* blob, uint32_t len) {
  const uint32_t k = current_ ^ 1u;
  const uint32_t base = (first_ + k) * flash_.sectorSize();
  const BlobHeader h{kStateMagic, seq_ + 1, len, crc32(blob, len)};
  const uint32_t commit = kCommitted;
  if (sizeof h + len + 4 > flash_.sectorSize() || !flash_.erase(first_ + k) || !flash_.write(base, &h, sizeof h) ||
      !flash_.write(base + sizeof h, blob, len) || !flash_.write(base + sizeof h + len, &commit, sizeof commit))
    return false;
  seq_++;
  current_ = k;
  saves_++;
  return true;
}

}  // namespace cr
