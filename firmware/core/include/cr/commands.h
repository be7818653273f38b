// Commands to the device (service → device on carbonreducer/{home}/commands/{device}, retained, QoS 1), the acks
// and events the device sends back, and the state that makes them exactly-once across restarts. Payloads as in
// workflows/src/topics.ts today (the contract is moving to libs/telemetry):
//   command {"v":1,"idempotencyKey","homeId","deviceId","appliance","requestId","action":"start"|"stop",
//            "plannedAt":ISO,"planVersion"}
//   ack     {"v":1,"idempotencyKey","ok","at"?,"error"?}      event {"v":1,"type":"manual_start","at"?}
#pragma once
#include <cstddef>
#include <cstdint>

#include "cr/text.h"

namespace cr {

constexpr size_t kMaxCommandBytes = 1024;
constexpr size_t kMaxKeyLen = 160;
constexpr uint32_t kMaxPending = 8;
constexpr uint32_t kExecutedLog = 32;
constexpr uint32_t kMaxEvents = 4;

/** Why a command was refused: the ack's `error` starts with this code. */
enum class Refusal : uint8_t {
  none,
  payload_too_large,
  bad_json,
  bad_version,
  missing_field,
  bad_type,
  bad_action,
  bad_time,
  wrong_device,
  expired,
  schedule_full,
  count
};
const char* refusalName(Refusal r);

enum class Action : uint8_t { start, stop };

struct ParsedCommand {
  bool hasKey = false;
  char key[kMaxKeyLen + 1] = {};
  Action action = Action::start;
  int64_t plannedAtMs = 0;
  int64_t planVersion = 0;
  Refusal refusal = Refusal::none;
  char detail[128] = {};
};

/**
 * Parses and checks a command for device `homeId`/`deviceId`. The idempotency key is read first, so a refused command
 * can still be acknowledged under its key. Pure: never allocates, never switches anything.
 */
void parseCommand(const char* payload, size_t n, const char* homeId, const char* deviceId, ParsedCommand* out);

/** `{"v":1,"idempotencyKey":…,"ok":…,"at":…,"error":…}`; key null when the command had none; no `at` without a clock. */
bool encodeAck(const char* key, bool ok, bool hasAt, int64_t atMs, const char* error, Writer& w);
/** `{"v":1,"type":"manual_start","at":…}`. */
bool encodeManualStart(bool hasAt, int64_t atMs, Writer& w);

/** A command the device holds: scheduled for its planned time, or done and waiting for its ack's PUBACK. */
struct PendingCommand {
  enum State : uint8_t { Free = 0, Scheduled = 1, AckDue = 2 };
  uint8_t state;
  uint8_t action;
  uint8_t ok;
  uint8_t refusal;
  uint8_t hasAt;
  uint8_t hasKey;
  uint8_t pad[2];
  int64_t plannedAtMs;
  int64_t planVersion;
  int64_t atMs;
  char key[kMaxKeyLen + 1];
  char detail[96];
};

struct PendingEvent {
  uint8_t used;
  uint8_t hasAt;
  uint8_t pad[6];
  int64_t atMs;
};

/** Everything that must survive a restart, stored as one blob (StateStore). */
struct PersistentState {
  uint32_t bootCount;
  uint8_t relayOn;
  uint8_t pad[3];
  double energyWh;
  uint64_t evictedReadings;
  uint64_t rejectedReadings;
  uint64_t refusedCommands[static_cast<size_t>(Refusal::count)];
  /** Hashes (FNV-1a 64) of the last kExecutedLog idempotency keys executed or refused. */
  uint64_t executed[kExecutedLog];
  uint32_t executedNext;
  uint32_t pad2;
  PendingCommand pending[kMaxPending];
  PendingEvent events[kMaxEvents];
};

/**
 * A fixed-size blob in two flash sectors, written alternately (erase, write blob, write its commit word last), so a
 * power cut during a save leaves the previous version readable. Holds the device state and, apart from it, the
 * configuration.
 */
class Flash;
class BlobStore {
 public:
  /** Uses sectors `first` and `first + 1` of `flash`. */
  BlobStore(Flash& flash, uint32_t first) : flash_(flash), first_(first) {}
  /** Loads the newest intact blob of `len` bytes into out; false (and out zeroed) when there is none. */
  bool load(void* out, uint32_t len);
  bool save(const void* blob, uint32_t len);
  uint32_t saves() const { return saves_; }

 private:
  Flash& flash_;
  uint32_t first_;
  uint32_t seq_ = 0;
  uint32_t current_ = 1;
  uint32_t saves_ = 0;
};

}  // namespace cr
