// Commands to the device (service → device on carbonreducer/{home}/commands/{device}, retained, QoS 1), the acks
// and events the device sends back, notifications for displays, and the state that makes commands exactly-once
// across restarts. The contract is libs/telemetry/src/device.ts (CONTRACT.md); its golden cases
// (libs/telemetry/fixtures/device-messages.json) run through these parsers in test/device_messages_test.cpp.
#pragma once
#include <cstddef>
#include <cstdint>

#include "cr/contract.h"
#include "cr/text.h"

namespace cr {

using contract::CommandReject;

constexpr size_t kMaxCommandBytes = contract::kMaxCommandBytes;
constexpr size_t kMaxKeyLen = contract::kMaxKeyLength;
constexpr uint32_t kMaxPending = 8;
constexpr uint32_t kExecutedLog = 32;
constexpr uint32_t kMaxEvents = 4;
constexpr size_t kRejectCount = static_cast<size_t>(CommandReject::count);

inline const char* rejectName(CommandReject r) { return contract::kCommandRejects[static_cast<size_t>(r)]; }

enum class Action : uint8_t { start, stop };

/** A parse that failed: the reason code, the field it names (empty when none) and words for a person. */
struct ParseError {
  bool failed = false;
  CommandReject reason = CommandReject::bad_json;
  char field[24] = {};
  char message[160] = {};
};

struct ParsedCommand {
  /** The idempotency key, when it could be read (the refusing ack names it). */
  bool hasKey = false;
  char key[kMaxKeyLen + 1] = {};
  char homeId[contract::kMaxIdLength + 1] = {};
  char deviceId[contract::kMaxIdLength + 1] = {};
  char appliance[kMaxKeyLen + 1] = {};
  char requestId[kMaxKeyLen + 1] = {};
  Action action = Action::start;
  /** plannedAt as sent, and as UTC ms. */
  char plannedAt[40] = {};
  int64_t plannedAtMs = 0;
  int64_t planVersion = 0;
  ParseError error;
};

/**
 * Parses a command that arrived on the commands topic of `homeId`/`deviceId`, with the checks of the TypeScript
 * parseCommand in the same order (size, JSON object, v, each field, addressee). Pure: no allocation, no switching.
 */
void parseCommand(const char* payload, size_t n, const char* homeId, const char* deviceId, ParsedCommand* out);

struct ParsedAck {
  bool hasKey = false;
  char key[kMaxKeyLen + 1] = {};
  bool ok = false;
  char at[40] = {};
  bool hasReason = false;
  CommandReject reason = CommandReject::bad_json;
  char errorText[256] = {};
  bool hasError = false;
  ParseError error;
};
void parseAck(const char* payload, size_t n, ParsedAck* out);

enum class EventType : uint8_t { manual_start, readings_evicted };
struct ParsedEvent {
  EventType type = EventType::manual_start;
  int64_t count = 0;
  char at[40] = {};
  ParseError error;
};
void parseEvent(const char* payload, size_t n, ParsedEvent* out);

struct ParsedNotification {
  char id[kMaxKeyLen + 1] = {};
  uint8_t kind = 0;  // index into contract::kNotificationKinds
  char title[256] = {};
  char body[512] = {};
  char at[40] = {}, from[40] = {}, to[40] = {};
  ParseError error;
};
void parseNotification(const char* payload, size_t n, ParsedNotification* out);

/** An ISO-8601 time as the contract accepts it (with Z or an offset, read as JavaScript's Date.parse does). */
bool parseContractTime(const char* s, size_t n, int64_t* ms);

/**
 * `{"idempotencyKey":…,"ok":…,"at":…,"reason":…,"error":…}` as the TS encodeAck writes it: key null when the
 * command had none; no `at` without a synced clock; reason and error only on refusal.
 */
bool encodeAck(const char* key, bool ok, bool hasAt, int64_t atMs, const CommandReject* reason, const char* error,
               Writer& w);
/** `{"type":"manual_start","at":…}` / `{"type":"readings_evicted","count":…,"at":…}`. */
bool encodeEvent(EventType type, int64_t count, bool hasAt, int64_t atMs, Writer& w);

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
  char detail[160];
};

struct PendingEvent {
  uint8_t used;
  uint8_t hasAt;
  uint8_t type;
  uint8_t pad[5];
  int64_t atMs;
  int64_t count;
};

/** Everything that must survive a restart, stored as one blob (StateStore). */
struct PersistentState {
  uint32_t bootCount;
  uint8_t relayOn;
  uint8_t pad[3];
  double energyWh;
  uint64_t evictedReadings;
  uint64_t rejectedReadings;
  /** Refused commands by reason (what an operator reads in the device's health log). */
  uint64_t refusedCommands[kRejectCount];
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
