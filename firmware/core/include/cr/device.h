// The device: readings → flash ring → MQTT in order; commands → schedule → relay at the planned time (from the
// local clock, broker or not) → ack exactly once; button → manual start event; status with last will. The board
// layer (ESP32 or Linux) implements Hal, feeds readings and MQTT events in, and calls loop() often.
#pragma once
#include <cstddef>
#include <cstdint>

#include "cr/commands.h"
#include "cr/config.h"
#include "cr/encode.h"
#include "cr/ring.h"

namespace cr {

class Hal {
 public:
  /** Milliseconds since boot (never jumps). */
  virtual int64_t monoMs() = 0;
  /** UTC ms from SNTP; false while the clock has not been synced since boot. */
  virtual bool wallMs(int64_t* ms) = 0;
  virtual void setRelay(bool on) = 0;
  /** QoS 1 publish; *msgId is what onPublished reports on PUBACK. False when offline or the client's queue is full. */
  virtual bool publish(const char* topic, const char* payload, size_t len, bool retain, int* msgId) = 0;
  /** One structured log line: an event name and key=value details. */
  virtual void log(const char* event, const char* detail) = 0;

 protected:
  ~Hal() = default;
};

struct DeviceCounters {
  uint64_t readingsStored = 0;
  uint64_t messagesPublished = 0;
  uint64_t readingsPublished = 0;
  uint64_t acksPublished = 0;
  uint64_t eventsPublished = 0;
  uint64_t duplicateCommands = 0;
  uint64_t relaySwitches = 0;
};

class Device {
 public:
  /** `stateFlash` sectors 0-1 hold the state (BlobStore); the ring uses all of `ringFlash`. */
  Device(Hal& hal, Flash& ringFlash, Flash& stateFlash, const DeviceConfig& config);

  bool begin();
  void onConnected();
  void onDisconnected();
  void onMessage(const char* topic, size_t topicLen, const char* payload, size_t len);
  void onPublished(int msgId);
  /** A reading of `kind` taken now (the device stamps the time). */
  void addReading(Kind kind, Reading r);
  void buttonPressed();
  void loop();

  const char* commandTopic() const { return commandTopic_; }
  const char* statusTopic() const { return statusTopic_; }
  /** The last will to register when connecting: `{"v":1,"state":"offline"}`, retained. */
  static const char* lastWill() { return "{\"v\":1,\"state\":\"offline\"}"; }

  bool relayOn() const { return state_.relayOn != 0; }
  /** Energy register at boot (persisted, or the newest buffered reading's if higher), Wh. */
  double energyBaseWh() const { return energyBaseWh_; }
  uint32_t buffered() const { return ring_.buffered(); }
  uint32_t bootCount() const { return state_.bootCount; }
  const PersistentState& state() const { return state_; }
  const DeviceCounters& counters() const { return counters_; }
  const OutageRing& ring() const { return ring_; }

 private:
  bool clock(int64_t* wall);
  void save();
  void publishReadings();
  void publishAcks();
  void publishEvents();
  void runSchedule(int64_t wall);
  void appendHealth();
  bool switchRelay(bool on, const char* why);
  void complete(PendingCommand& p, bool ok, CommandReject reason, const char* message, bool hasAt, int64_t atMs);
  void queueEvent(EventType type, int64_t count);
  void remember(uint64_t hash);
  bool seen(uint64_t hash) const;
  PendingCommand* findPending(uint64_t hash);

  Hal& hal_;
  OutageRing ring_;
  BlobStore store_;
  const DeviceConfig& config_;
  PersistentState state_{};
  DeviceCounters counters_;
  bool connected_ = false;
  bool syncedStatusSent_ = false;
  double energyBaseWh_ = 0;
  int64_t lastSwitchMono_ = -1;
  int64_t lastHealthMono_ = 0;
  int64_t lastEnergySaveMono_ = 0;
  uint64_t evictedSeen_ = 0;
  // In flight (RAM only: after a reconnect everything unacknowledged is published again).
  int replayMsgId_ = -1;
  uint32_t replayCount_ = 0;
  int ackMsgId_[kMaxPending];
  int eventMsgId_[kMaxEvents];
  StoredReading peek_[OutageRing::kMaxPeek];
  Reading batch_[OutageRing::kMaxPeek];
  char payload_[4096];
  char topic_[160];
  char commandTopic_[160];
  char statusTopic_[160];
  char logBuf_[256];
};

}  // namespace cr
