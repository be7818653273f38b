// The device contract for the firmware: generated tables (contract_generated.h, from libs/telemetry) plus topic
// builders and parsers. Topics: carbonreducer/{home}/telemetry/{kind}/{device}, …/status/{device},
// …/commands/{device} (service → device), …/acks/{device} and …/events/{device} (device → service).
#pragma once
#include <cstddef>
#include <cstdint>

#include "cr/contract_generated.h"
#include "cr/text.h"

namespace cr {

using contract::Field;
using contract::Kind;
using contract::RejectReason;

constexpr size_t kFieldCount = static_cast<size_t>(Field::count);
constexpr size_t kKindCount = static_cast<size_t>(Kind::count);

inline const contract::FieldSpec& fieldSpec(Field f) { return contract::kFields[static_cast<size_t>(f)]; }
inline const contract::KindSpec& kindSpec(Kind k) { return contract::kKinds[static_cast<size_t>(k)]; }
inline const char* kindName(Kind k) { return kindSpec(k).name; }
inline const char* reasonName(RejectReason r) { return contract::kRejectReasons[static_cast<size_t>(r)]; }

/** 1–64 of [a-z0-9_-], starting with a letter or digit. */
bool isValidId(const char* s, size_t n);
bool isValidId(const char* s);
/** Kind by name, or false. */
bool kindFromName(const char* s, size_t n, Kind* out);
bool kindAllows(Kind k, Field f);

enum class TopicType : uint8_t { Telemetry, Status, Command, Ack, Event };

struct Slice {
  const char* p = nullptr;
  size_t n = 0;
  bool equals(const char* s) const;
};

struct ParsedTopic {
  TopicType type;
  Slice homeId;
  Slice deviceId;
  Kind kind;  // telemetry only
};

/** Parses a contract topic (telemetry, status, commands, acks, events); false when outside the contract. */
bool parseTopic(const char* topic, size_t n, ParsedTopic* out);

/** Writes a topic; false when an id is invalid or the buffer is too small. */
bool telemetryTopic(Writer& w, const char* homeId, Kind kind, const char* deviceId);
bool deviceTopic(Writer& w, TopicType type, const char* homeId, const char* deviceId);

}  // namespace cr
