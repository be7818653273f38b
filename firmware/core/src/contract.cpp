#include "cr/contract.h"

#include <cstring>

namespace cr {

bool isValidId(const char* s, size_t n) {
  if (n < 1 || n > contract::kMaxIdLength) return false;
  for (size_t i = 0; i < n; i++) {
    const char c = s[i];
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (!alnum && (i == 0 || (c != '_' && c != '-'))) return false;
  }
  return true;
}

bool isValidId(const char* s) { return s != nullptr && isValidId(s, std::strlen(s)); }

bool Slice::equals(const char* s) const { return std::strlen(s) == n && std::memcmp(p, s, n) == 0; }

bool kindFromName(const char* s, size_t n, Kind* out) {
  for (size_t k = 0; k < kKindCount; k++) {
    const char* name = contract::kKinds[k].name;
    if (std::strlen(name) == n && std::memcmp(name, s, n) == 0) {
      *out = static_cast<Kind>(k);
      return true;
    }
  }
  return false;
}

bool kindAllows(Kind k, Field f) {
  const auto& spec = kindSpec(k);
  for (uint8_t i = 0; i < spec.allowedCount; i++)
    if (spec.allowed[i] == f) return true;
  return false;
}

bool parseTopic(const char* topic, size_t n, ParsedTopic* out) {
  Slice parts[6];
  size_t count = 0;
  size_t start = 0;
  for (size_t i = 0; i <= n; i++) {
    if (i == n || topic[i] == '/') {
      if (count == 6) return false;
      parts[count].p = topic + start;
      parts[count].n = i - start;
      count++;
      start = i + 1;
    }
  }
  if (count < 4 || !parts[0].equals(contract::kTopicRoot) || !isValidId(parts[1].p, parts[1].n)) return false;
  out->homeId = parts[1];
  if (count == 5 && parts[2].equals("telemetry")) {
    if (!kindFromName(parts[3].p, parts[3].n, &out->kind) || !isValidId(parts[4].p, parts[4].n)) return false;
    out->type = TopicType::Telemetry;
    out->deviceId = parts[4];
    return true;
  }
  if (count != 4 || !isValidId(parts[3].p, parts[3].n)) return false;
  out->deviceId = parts[3];
  if (parts[2].equals("status")) {
    out->type = TopicType::Status;
  } else if (parts[2].equals("commands")) {
    out->type = TopicType::Command;
  } else if (parts[2].equals("acks")) {
    out->type = TopicType::Ack;
  } else if (parts[2].equals("events")) {
    out->type = TopicType::Event;
  } else {
    return false;
  }
  return true;
}

bool telemetryTopic(Writer& w, const char* homeId, Kind kind, const char* deviceId) {
  if (!isValidId(homeId) || !isValidId(deviceId)) return false;
  w.raw(contract::kTopicRoot).ch('/').raw(homeId).raw("/telemetry/").raw(kindName(kind)).ch('/').raw(deviceId);
  return w.ok();
}

bool deviceTopic(Writer& w, TopicType type, const char* homeId, const char* deviceId) {
  if (!isValidId(homeId) || !isValidId(deviceId)) return false;
  const char* level = nullptr;
  switch (type) {
    case TopicType::Status: level = "status"; break;
    case TopicType::Command: level = "commands"; break;
    case TopicType::Ack: level = "acks"; break;
    case TopicType::Event: level = "events"; break;
    case TopicType::Telemetry: return false;
  }
  w.raw(contract::kTopicRoot).ch('/').raw(homeId).ch('/').raw(level).ch('/').raw(deviceId);
  return w.ok();
}

}  // namespace cr
