#include "cr/device.h"

#include <cstring>

#include "cr/crc.h"

namespace cr {

Device::Device(Hal& hal, Flash& ringFlash, Flash& stateFlash, const DeviceConfig& config)
    : hal_(hal), ring_(ringFlash), store_(stateFlash, 0), config_(config) {
  for (int& id : ackMsgId_) id = -1;
  for (int& id : eventMsgId_) id = -1;
  Writer c(commandTopic_, sizeof commandTopic_);
  deviceTopic(c, TopicType::Command, config.homeId, config.deviceId);
  Writer s(statusTopic_, sizeof statusTopic_);
  deviceTopic(s, TopicType::Status, config.homeId, config.deviceId);
}

bool Device::clock(int64_t* wall) { return hal_.wallMs(wall); }

void Device::save() {
  if (!store_.save(&state_, sizeof state_)) hal_.log("state_save_failed", "");
}

bool Device::begin() {
  if (!ring_.mount()) {
    hal_.log("ring_mount_failed", "");
    return false;
  }
  store_.load(&state_, sizeof state_);
  state_.bootCount++;
  energyBaseWh_ = state_.energyWh;
  StoredReading last;
  if (ring_.newest(&last) && last.reading.has(Field::energyWh) && last.reading.get(Field::energyWh) > energyBaseWh_)
    energyBaseWh_ = last.reading.get(Field::energyWh);
  state_.energyWh = energyBaseWh_;
  // The relay comes back as it was (a dishwasher mid-cycle keeps running after a brown-out); that counts as a switch
  // for the minimum interval.
  hal_.setRelay(state_.relayOn != 0);
  lastSwitchMono_ = hal_.monoMs();
  save();
  Writer w(logBuf_, sizeof logBuf_);
  w.raw("boot=").integer(state_.bootCount).raw(" buffered=").integer(ring_.buffered()).raw(" torn=").integer(
      ring_.torn());
  w.raw(" relay=").raw(state_.relayOn ? "on" : "off");
  hal_.log("boot", logBuf_);
  lastHealthMono_ = hal_.monoMs();
  lastEnergySaveMono_ = hal_.monoMs();
  return true;
}

void Device::onConnected() {
  connected_ = true;
  replayMsgId_ = -1;
  for (int& id : ackMsgId_) id = -1;
  for (int& id : eventMsgId_) id = -1;
  int64_t wall = 0;
  const bool synced = clock(&wall);
  Writer w(payload_, sizeof payload_);
  encodeStatus(true, synced, wall, w);
  int id = 0;
  hal_.publish(statusTopic_, w.c_str(), w.size(), true, &id);
  syncedStatusSent_ = synced;
  hal_.log("connected", synced ? "clock=synced" : "clock=not_synced");
}

void Device::onDisconnected() {
  if (connected_) hal_.log("disconnected", "");
  connected_ = false;
  replayMsgId_ = -1;
}

bool Device::seen(uint64_t hash) const {
  for (uint64_t h : state_.executed)
    if (h == hash && h != 0) return true;
  return false;
}

void Device::remember(uint64_t hash) {
  state_.executed[state_.executedNext % kExecutedLog] = hash;
  state_.executedNext = (state_.executedNext + 1) % kExecutedLog;
}

PendingCommand* Device::findPending(uint64_t hash) {
  for (PendingCommand& p : state_.pending)
    if (p.state != PendingCommand::Free && p.hasKey && fnv1a64(p.key, std::strlen(p.key)) == hash) return &p;
  return nullptr;
}

void Device::complete(PendingCommand& p, bool ok, CommandReject reason, const char* message, bool hasAt,
                      int64_t atMs) {
  p.state = PendingCommand::AckDue;
  p.ok = ok;
  p.refusal = static_cast<uint8_t>(reason);
  p.hasAt = hasAt;
  p.atMs = atMs;
  Writer w(p.detail, sizeof p.detail);
  if (!ok) {
    w.raw(message);
    state_.refusedCommands[static_cast<size_t>(reason)]++;
  }
  Writer l(logBuf_, sizeof logBuf_);
  l.raw("key=").raw(p.hasKey ? p.key : "null");
  if (!ok) l.raw(" reason=").raw(rejectName(reason)).raw(" error=").raw(p.detail);
  hal_.log(ok ? "command_executed" : "command_refused", logBuf_);
}

void Device::onMessage(const char* topic, size_t topicLen, const char* payload, size_t len) {
  if (topicLen != std::strlen(commandTopic_) || std::memcmp(topic, commandTopic_, topicLen) != 0) {
    hal_.log("message_ignored", "not this device's command topic");
    return;
  }
  static ParsedCommand cmd;
  parseCommand(payload, len, config_.homeId, config_.deviceId, &cmd);
  // A command without a readable key is remembered by its payload, so a retained one is refused once, not per connect.
  const uint64_t hash = cmd.hasKey ? fnv1a64(cmd.key, std::strlen(cmd.key)) : fnv1a64(payload, len);
  int64_t wall = 0;
  const bool synced = clock(&wall);
  if (seen(hash)) {
    counters_.duplicateCommands++;
    Writer l(logBuf_, sizeof logBuf_);
    l.raw("key=").raw(cmd.hasKey ? cmd.key : "null");
    hal_.log("command_duplicate", logBuf_);
    return;
  }
  if (PendingCommand* p = findPending(hash)) {
    if (p->state == PendingCommand::Scheduled && !cmd.error.failed && cmd.planVersion > p->planVersion) {
      p->plannedAtMs = cmd.plannedAtMs;
      p->planVersion = cmd.planVersion;
      p->action = static_cast<uint8_t>(cmd.action);
      save();
      hal_.log("command_rescheduled", cmd.key);
    } else {
      counters_.duplicateCommands++;
      hal_.log("command_duplicate", cmd.key);
    }
    return;
  }
  // Device-side refusals use the contract's codes: a start hours late (after a long outage) is a bad plannedAt.
  if (!cmd.error.failed && synced && wall - cmd.plannedAtMs > static_cast<int64_t>(config_.maxLateMs)) {
    cmd.error.failed = true;
    cmd.error.reason = CommandReject::bad_value;
    Writer f(cmd.error.field, sizeof cmd.error.field);
    f.raw("plannedAt");
    Writer w(cmd.error.message, sizeof cmd.error.message);
    w.raw("command: plannedAt is ").integer((wall - cmd.plannedAtMs) / 1000).raw(" s past (the device runs commands");
    w.raw(" at most ").integer(config_.maxLateMs / 1000).raw(" s late)");
  }
  PendingCommand* slot = nullptr;
  for (PendingCommand& p : state_.pending)
    if (p.state == PendingCommand::Free) {
      slot = &p;
      break;
    }
  if (slot == nullptr) {
    // No room to remember it: refuse at once, best effort (not persisted, so not exactly once).
    const CommandReject reason = cmd.error.failed ? cmd.error.reason : CommandReject::bad_value;
    const char* why = cmd.error.failed ? cmd.error.message : "device: no free command slot (8 held)";
    Writer w(payload_, sizeof payload_);
    encodeAck(cmd.hasKey ? cmd.key : nullptr, false, synced, wall, &reason, why, w);
    Writer t(topic_, sizeof topic_);
    deviceTopic(t, TopicType::Ack, config_.homeId, config_.deviceId);
    int id = 0;
    if (hal_.publish(topic_, w.c_str(), w.size(), false, &id)) counters_.acksPublished++;
    state_.refusedCommands[static_cast<size_t>(reason)]++;
    hal_.log("command_refused", why);
    return;
  }
  std::memset(slot, 0, sizeof *slot);
  slot->hasKey = cmd.hasKey;
  std::memcpy(slot->key, cmd.key, sizeof slot->key);
  slot->action = static_cast<uint8_t>(cmd.action);
  slot->plannedAtMs = cmd.plannedAtMs;
  slot->planVersion = cmd.planVersion;
  if (cmd.error.failed) {
    complete(*slot, false, cmd.error.reason, cmd.error.message, synced, wall);
    remember(hash);
  } else {
    slot->state = PendingCommand::Scheduled;
    Writer l(logBuf_, sizeof logBuf_);
    l.raw("key=").raw(cmd.key).raw(" action=").raw(cmd.action == Action::start ? "start" : "stop").raw(" at=");
    l.isoTime(cmd.plannedAtMs);
    hal_.log("command_scheduled", logBuf_);
  }
  save();
}

bool Device::switchRelay(bool on, const char* why) {
  const int64_t mono = hal_.monoMs();
  if ((state_.relayOn != 0) == on) return true;
  if (lastSwitchMono_ >= 0 && mono - lastSwitchMono_ < static_cast<int64_t>(config_.minSwitchIntervalMs)) return false;
  hal_.setRelay(on);
  lastSwitchMono_ = mono;
  state_.relayOn = on;
  counters_.relaySwitches++;
  Writer l(logBuf_, sizeof logBuf_);
  l.raw("on=").raw(on ? "true" : "false").raw(" why=").raw(why);
  hal_.log("relay", logBuf_);
  return true;
}

void Device::runSchedule(int64_t wall) {
  for (;;) {
    PendingCommand* due = nullptr;
    for (PendingCommand& p : state_.pending)
      if (p.state == PendingCommand::Scheduled && p.plannedAtMs <= wall && (due == nullptr || p.plannedAtMs < due->plannedAtMs))
        due = &p;
    if (due == nullptr) return;
    const uint64_t hash = fnv1a64(due->key, std::strlen(due->key));
    if (wall - due->plannedAtMs > static_cast<int64_t>(config_.maxLateMs)) {
      char detail[96];
      Writer w(detail, sizeof detail);
      w.raw("command: plannedAt is ").integer((wall - due->plannedAtMs) / 1000).raw(" s past (the device runs ");
      w.raw("commands at most ").integer(config_.maxLateMs / 1000).raw(" s late)");
      complete(*due, false, CommandReject::bad_value, detail, true, wall);
    } else if (switchRelay(due->action == static_cast<uint8_t>(Action::start), due->key)) {
      complete(*due, true, CommandReject::bad_value, "", true, wall);
    } else {
      return;  // the minimum switch interval holds it back; try again on the next loop
    }
    remember(hash);
    save();
  }
}

void Device::queueEvent(EventType type, int64_t count) {
  int64_t wall = 0;
  const bool synced = clock(&wall);
  for (PendingEvent& e : state_.events) {
    if (e.used) continue;
    e.used = 1;
    e.type = static_cast<uint8_t>(type);
    e.count = count;
    e.hasAt = synced;
    e.atMs = wall;
    return;
  }
  // The outbox is full of unsent events: fold evictions into the last one, drop a second manual start.
  for (PendingEvent& e : state_.events)
    if (e.type == static_cast<uint8_t>(EventType::readings_evicted) && type == EventType::readings_evicted) {
      e.count += count;
      return;
    }
  hal_.log("event_not_queued", "event outbox full");
}

void Device::buttonPressed() {
  if (!switchRelay(true, "button")) {
    hal_.log("button_ignored", "minimum switch interval");
    return;
  }
  queueEvent(EventType::manual_start, 0);
  save();
  hal_.log("manual_start", "");
}

void Device::addReading(Kind kind, Reading r) {
  int64_t wall = 0;
  StoredReading s;
  s.kind = kind;
  s.bootId = state_.bootCount;
  s.unsynced = !clock(&wall);
  r.tsMs = s.unsynced ? contract::kMinTimestampMs : wall;
  if (!readingInContract(r, kind)) {
    state_.rejectedReadings++;
    hal_.log("reading_rejected", kindName(kind));
    return;
  }
  if (s.unsynced) r.tsMs = hal_.monoMs();
  s.reading = r;
  if (r.has(Field::energyWh)) state_.energyWh = r.get(Field::energyWh);
  if (!ring_.append(s)) {
    hal_.log("ring_append_failed", "");
    return;
  }
  counters_.readingsStored++;
  if (ring_.evicted() != evictedSeen_) {
    // Announced in the health reading: the oldest unsent readings were dropped to make room.
    const uint64_t lost = ring_.evicted() - evictedSeen_;
    evictedSeen_ = ring_.evicted();
    state_.evictedReadings += lost;
    Writer l(logBuf_, sizeof logBuf_);
    l.raw("evicted=").integer(static_cast<int64_t>(lost)).raw(" total=").integer(
        static_cast<int64_t>(state_.evictedReadings));
    hal_.log("ring_evicted", logBuf_);
    queueEvent(EventType::readings_evicted, static_cast<int64_t>(lost));
    appendHealth();
    save();
  }
}

void Device::appendHealth() {
  int64_t wall = 0;
  StoredReading s;
  s.kind = Kind::gateway;
  s.bootId = state_.bootCount;
  s.unsynced = !clock(&wall);
  s.reading.tsMs = s.unsynced ? hal_.monoMs() : wall;
  s.reading.set(Field::bufferedReadings, ring_.buffered())
      .set(Field::evictedReadings, static_cast<double>(state_.evictedReadings))
      .set(Field::rejectedReadings, static_cast<double>(state_.rejectedReadings));
  ring_.append(s);
  lastHealthMono_ = hal_.monoMs();
}

void Device::publishReadings() {
  if (replayMsgId_ >= 0) return;  // one message in flight keeps the order
  int64_t wall = 0;
  const bool synced = clock(&wall);
  const int64_t mono = hal_.monoMs();
  uint32_t n = ring_.peek(peek_, config_.batchMax);
  if (n == 0) return;
  // Readings from a boot whose clock never synced cannot be dated: drop them (counted as rejected).
  uint32_t undatable = 0;
  while (undatable < n && peek_[undatable].unsynced && peek_[undatable].bootId != state_.bootCount) undatable++;
  if (undatable > 0) {
    ring_.markSent(undatable);
    state_.rejectedReadings += undatable;
    hal_.log("readings_undatable", "clock never synced in their boot");
    save();
    return;
  }
  uint32_t count = 0;
  for (; count < n; count++) {
    const StoredReading& s = peek_[count];
    if (s.kind != peek_[0].kind || (s.unsynced && (!synced || s.bootId != state_.bootCount))) break;
    batch_[count] = s.reading;
    // Readings taken before the clock synced are dated now: wall time minus their age on the monotonic clock.
    if (s.unsynced) batch_[count].tsMs = wall - (mono - s.reading.tsMs);
  }
  if (count == 0) return;  // waiting for the clock
  Writer t(topic_, sizeof topic_);
  telemetryTopic(t, config_.homeId, peek_[0].kind, config_.deviceId);
  for (;;) {
    Writer w(payload_, sizeof payload_);
    const bool ok = count == 1 ? encodeReading(batch_[0], w) : encodeBatch(batch_, count, w);
    if (ok) {
      int id = 0;
      if (!hal_.publish(topic_, w.c_str(), w.size(), false, &id)) return;
      replayMsgId_ = id;
      replayCount_ = count;
      counters_.messagesPublished++;
      return;
    }
    count = count / 2;  // too big for the buffer: send fewer
    if (count == 0) return;
  }
}

void Device::publishAcks() {
  Writer t(topic_, sizeof topic_);
  deviceTopic(t, TopicType::Ack, config_.homeId, config_.deviceId);
  for (uint32_t i = 0; i < kMaxPending; i++) {
    PendingCommand& p = state_.pending[i];
    if (p.state != PendingCommand::AckDue || ackMsgId_[i] >= 0) continue;
    Writer w(payload_, sizeof payload_);
    const CommandReject reason = static_cast<CommandReject>(p.refusal);
    encodeAck(p.hasKey ? p.key : nullptr, p.ok, p.hasAt, p.atMs, p.ok ? nullptr : &reason, p.ok ? nullptr : p.detail, w);
    int id = 0;
    if (hal_.publish(topic_, w.c_str(), w.size(), false, &id)) ackMsgId_[i] = id;
  }
}

void Device::publishEvents() {
  Writer t(topic_, sizeof topic_);
  deviceTopic(t, TopicType::Event, config_.homeId, config_.deviceId);
  for (uint32_t i = 0; i < kMaxEvents; i++) {
    PendingEvent& e = state_.events[i];
    if (!e.used || eventMsgId_[i] >= 0) continue;
    Writer w(payload_, sizeof payload_);
    encodeEvent(static_cast<EventType>(e.type), e.count, e.hasAt, e.atMs, w);
    int id = 0;
    if (hal_.publish(topic_, w.c_str(), w.size(), false, &id)) eventMsgId_[i] = id;
  }
}

void Device::onPublished(int msgId) {
  if (msgId == replayMsgId_) {
    replayMsgId_ = -1;
    ring_.markSent(replayCount_);
    counters_.readingsPublished += replayCount_;
    return;
  }
  for (uint32_t i = 0; i < kMaxPending; i++) {
    if (ackMsgId_[i] != msgId) continue;
    ackMsgId_[i] = -1;
    state_.pending[i].state = PendingCommand::Free;
    counters_.acksPublished++;
    hal_.log("ack_published", state_.pending[i].hasKey ? state_.pending[i].key : "null");
    save();
    return;
  }
  for (uint32_t i = 0; i < kMaxEvents; i++) {
    if (eventMsgId_[i] != msgId) continue;
    eventMsgId_[i] = -1;
    state_.events[i].used = 0;
    counters_.eventsPublished++;
    save();
    return;
  }
}

void Device::loop() {
  int64_t wall = 0;
  const bool synced = clock(&wall);
  const int64_t mono = hal_.monoMs();
  if (synced) runSchedule(wall);
  if (mono - lastHealthMono_ >= static_cast<int64_t>(config_.healthIntervalMs)) appendHealth();
  if (mono - lastEnergySaveMono_ >= static_cast<int64_t>(config_.healthIntervalMs)) {
    lastEnergySaveMono_ = mono;
    save();
  }
  if (!connected_) return;
  if (synced && !syncedStatusSent_) {
    Writer w(payload_, sizeof payload_);
    encodeStatus(true, true, wall, w);
    int id = 0;
    if (hal_.publish(statusTopic_, w.c_str(), w.size(), true, &id)) syncedStatusSent_ = true;
  }
  publishAcks();
  publishEvents();
  publishReadings();
}

}  // namespace cr
