// The contract validator (libs/telemetry/src/validate.ts) in C++: the same checks in the same order with the same
// reasons and details, proven by the golden fixtures. The firmware checks its own messages with it in tests; the
// host tools use it to predict what Telegraf will accept.
#pragma once
#include <cstddef>
#include <cstdint>

#include "cr/contract.h"
#include "cr/json.h"

namespace cr {

struct Rejection {
  RejectReason reason;
  char detail[1024];
};

struct ValidatedPoint {
  int64_t timeMs;
  /** Status points: online; reading points: fields present (bit per Field). */
  bool online;
  uint16_t fieldMask;
  double values[kFieldCount];
};

struct ValidationResult {
  static constexpr uint32_t kKept = 8;
  uint32_t pointCount = 0;
  uint32_t rejectCount = 0;
  /** The first kKept points and rejections (counts above are complete). */
  ValidatedPoint points[kKept];
  Rejection rejects[kKept];
  bool status = false;
};

/**
 * Validates one message received at `receivedAtMs`. `pool` holds the JSON tokens (a message needing more than
 * `poolSize` tokens is refused as payload_too_large, detail "more than N JSON tokens").
 */
void validateMessage(const char* topic, size_t topicLen, const char* payload, size_t payloadLen, int64_t receivedAtMs,
                     JsonToken* pool, uint32_t poolSize, ValidationResult* out);

/**
 * Trims as Telegraf's value parser does before validation (libs/telemetry trimPayload): NULs at both ends first,
 * then Unicode White_Space (Go's unicode.IsSpace) at both ends. Returns the kept range [*start, *end).
 */
void trimPayload(const char* s, size_t n, size_t* start, size_t* end);

/** The first `n` characters (code points) of UTF-8 `s`, as byte length. */
size_t firstCharsBytes(const char* s, size_t len, size_t n);

/** JSON.stringify of token `i` (numbers normalised, strings re-escaped). */
void stringifyJson(const JsonDoc& doc, uint32_t i, Writer& w);

}  // namespace cr
