#include "cr/commands.h"

#include <cmath>
#include <cstring>

#include "cr/contract.h"
#include "cr/crc.h"
#include "cr/flash.h"
#include "cr/json.h"

namespace cr {

namespace {
constexpr const char* kRefusals[] = {"none",         "payload_too_large", "bad_json",     "bad_version",
                                     "missing_field", "bad_type",          "bad_action",   "bad_time",
                                     "wrong_device",  "expired",           "schedule_full"};
static_assert(sizeof kRefusals / sizeof kRefusals[0] == static_cast<size_t>(Refusal::count), "refusal names");

void refuse(ParsedCommand* out, Refusal r, const char* a, const char* b = "", const char* c = "") {
  out->refusal = r;
  Writer w(out->detail, sizeof out->detail);
  w.raw(a).raw(b).raw(c);
}

bool stringField(const JsonDoc& doc, const char* name, char* buf, size_t cap, ParsedCommand* out) {
  const int32_t i = doc.member(0, name);
  if (i < 0) {
    refuse(out, Refusal::missing_field, name);
    return false;
  }
  if (doc.at(static_cast<uint32_t>(i)).type != JsonType::String ||
      !doc.copyString(static_cast<uint32_t>(i), buf, cap)) {
    refuse(out, Refusal::bad_type, name, " must be a string of at most 160 bytes");
    return false;
  }
  return true;
}
}  // namespace

const char* refusalName(Refusal r) { return kRefusals[static_cast<size_t>(r)]; }

void parseCommand(const char* payload, size_t n, const char* homeId, const char* deviceId, ParsedCommand* out) {
  *out = ParsedCommand{};
  if (n > kMaxCommandBytes) {
    Writer w(out->detail, sizeof out->detail);
    out->refusal = Refusal::payload_too_large;
    w.integer(static_cast<int64_t>(n)).raw(" bytes > ").integer(kMaxCommandBytes);
    return;
  }
  JsonToken pool[64];
  JsonDoc doc(pool, 64);
  const JsonError err = doc.parse(payload, n);
  if (err != JsonError::None) {
    return refuse(out, err == JsonError::TooManyTokens ? Refusal::payload_too_large : Refusal::bad_json,
                  err == JsonError::TooManyTokens ? "more than 64 JSON tokens" : "not valid JSON");
  }
  if (doc.at(0).type != JsonType::Object) return refuse(out, Refusal::bad_json, "not a JSON object");
  const int32_t key = doc.member(0, "idempotencyKey");
  if (key >= 0 && doc.at(static_cast<uint32_t>(key)).type == JsonType::String &&
      doc.copyString(static_cast<uint32_t>(key), out->key, sizeof out->key) && out->key[0] != '\0') {
    out->hasKey = true;
  } else {
    out->key[0] = '\0';
    return refuse(out, key < 0 ? Refusal::missing_field : Refusal::bad_type,
                  key < 0 ? "idempotencyKey" : "idempotencyKey must be a non-empty string of at most 160 bytes");
  }
  const int32_t v = doc.member(0, "v");
  if (v < 0 || doc.at(static_cast<uint32_t>(v)).type != JsonType::Number ||
      doc.number(static_cast<uint32_t>(v)) != 1) {
    return refuse(out, Refusal::bad_version, "v must be 1");
  }
  char home[80], device[80];
  if (!stringField(doc, "homeId", home, sizeof home, out) || !stringField(doc, "deviceId", device, sizeof device, out))
    return;
  if (std::strcmp(home, homeId) != 0 || std::strcmp(device, deviceId) != 0) {
    out->refusal = Refusal::wrong_device;
    Writer w(out->detail, sizeof out->detail);
    w.raw("for ").raw(home).ch('/').raw(device).raw(", this is ").raw(homeId).ch('/').raw(deviceId);
    return;
  }
  char action[16];
  if (!stringField(doc, "action", action, sizeof action, out)) {
    if (out->refusal == Refusal::bad_type) refuse(out, Refusal::bad_action, "action must be start or stop");
    return;
  }
  if (std::strcmp(action, "start") == 0) {
    out->action = Action::start;
  } else if (std::strcmp(action, "stop") == 0) {
    out->action = Action::stop;
  } else {
    return refuse(out, Refusal::bad_action, "action must be start or stop");
  }
  char planned[40];
  if (!stringField(doc, "plannedAt", planned, sizeof planned, out)) {
    if (out->refusal == Refusal::bad_type) refuse(out, Refusal::bad_time, "plannedAt must be an ISO-8601 UTC time");
    return;
  }
  if (!parseIsoTime(planned, std::strlen(planned), &out->plannedAtMs))
    return refuse(out, Refusal::bad_time, "plannedAt must be an ISO-8601 UTC time");
  const int32_t pv = doc.member(0, "planVersion");
  if (pv < 0) return refuse(out, Refusal::missing_field, "planVersion");
  const double version = pv >= 0 && doc.at(static_cast<uint32_t>(pv)).type == JsonType::Number
                             ? doc.number(static_cast<uint32_t>(pv))
                             : -1;
  if (!(version >= 0 && version <= 9007199254740991.0) || std::floor(version) != version)
    return refuse(out, Refusal::bad_type, "planVersion must be a non-negative integer");
  out->planVersion = static_cast<int64_t>(version);
}

bool encodeAck(const char* key, bool ok, bool hasAt, int64_t atMs, const char* error, Writer& w) {
  w.raw("{\"v\":1,\"idempotencyKey\":");
  if (key != nullptr) w.quoted(key);
  else w.raw("null");
  w.raw(",\"ok\":").raw(ok ? "true" : "false");
  if (hasAt) w.raw(",\"at\":\"").isoTime(atMs).ch('"');
  if (error != nullptr) w.raw(",\"error\":").quoted(error);
  w.ch('}');
  return w.ok();
}

bool encodeManualStart(bool hasAt, int64_t atMs, Writer& w) {
  w.raw("{\"v\":1,\"type\":\"manual_start\"");
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
