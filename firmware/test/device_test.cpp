// The device core with a fake board (clock, relay, MQTT client) around real flash models: order across outages,
// commands at their planned time without a broker, acks exactly once across restarts, refusals, safety interval.
#include <cr/device.h>
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "test_util.h"

using namespace cr;

namespace {
constexpr int64_t kT0 = 1795780800000LL;

struct Published {
  std::string topic, payload;
  bool retain;
  int id;
};

struct FakeHal : Hal {
  int64_t mono = 1000;
  int64_t wallOffset = kT0;
  bool synced = true;
  bool relay = false;
  int relayCalls = 0;
  bool online = false;
  int nextId = 1;
  std::vector<Published> out;
  std::vector<std::string> logs;
  int64_t monoMs() override { return mono; }
  bool wallMs(int64_t* ms) override {
    *ms = wallOffset + mono;
    return synced;
  }
  void setRelay(bool on) override {
    relay = on;
    relayCalls++;
  }
  bool publish(const char* topic, const char* payload, size_t len, bool retain, int* msgId) override {
    if (!online) return false;
    *msgId = nextId++;
    out.push_back({topic, std::string(payload, len), retain, *msgId});
    return true;
  }
  void log(const char* event, const char* detail) override { logs.push_back(std::string(event) + " " + detail); }
  std::vector<Published> on(const std::string& level) const {
    std::vector<Published> r;
    for (const auto& p : out)
      if (p.topic.find("/" + level + "/") != std::string::npos) r.push_back(p);
    return r;
  }
};

struct Board {
  std::vector<uint8_t> ringMem = std::vector<uint8_t>(4096 * 4, 0xFF);
  std::vector<uint8_t> stateMem = std::vector<uint8_t>(4096 * 2, 0xFF);
  RamFlash ringFlash{ringMem.data(), 4096, 4};
  RamFlash stateFlash{stateMem.data(), 4096, 2};
  DeviceConfig config;
  FakeHal hal;
  Board() {
    defaultConfig(&config);
    std::strcpy(config.homeId, "home-1");
    std::strcpy(config.deviceId, "dishwasher");
    config.minSwitchIntervalMs = 60000;
    config.batchMax = 10;
  }
};

Reading power(double w) {
  Reading r;
  r.set(Field::powerW, w);
  return r;
}

/** PUBACKs everything published so far (the broker answering). */
void ackAll(Device& d, FakeHal& hal, size_t from = 0) {
  for (size_t i = from; i < hal.out.size(); i++) d.onPublished(hal.out[i].id);
}

void pump(Device& d, FakeHal& hal, int rounds = 50) {
  for (int i = 0; i < rounds; i++) {
    const size_t before = hal.out.size();
    d.loop();
    ackAll(d, hal, before);
  }
}

std::vector<int64_t> publishedTimestamps(const FakeHal& hal, const std::string& kind = "plug") {
  std::vector<int64_t> ts;
  std::vector<JsonToken> pool(4096);
  for (const auto& p : hal.on("telemetry")) {
    if (p.topic.find("/" + kind + "/") == std::string::npos) continue;
    JsonDoc doc(pool.data(), 4096);
    EXPECT_EQ(doc.parse(p.payload.data(), p.payload.size()), JsonError::None);
    const int32_t list = doc.member(0, "readings");
    if (list < 0) {
      ts.push_back(static_cast<int64_t>(doc.number(static_cast<uint32_t>(doc.member(0, "ts")))));
      continue;
    }
    for (uint32_t n = 0; n < doc.at(static_cast<uint32_t>(list)).size; n++) {
      const uint32_t e = doc.element(static_cast<uint32_t>(list), n);
      ts.push_back(static_cast<int64_t>(doc.number(static_cast<uint32_t>(doc.member(e, "ts")))));
    }
  }
  return ts;
}

std::string command(const char* key, const char* action, int64_t plannedAtMs, int planVersion = 1,
                    const char* device = "dishwasher") {
  char at[40];
  Writer w(at, sizeof at);
  w.isoTime(plannedAtMs);
  return std::string("{\"v\":1,\"idempotencyKey\":\"") + key + "\",\"homeId\":\"home-1\",\"deviceId\":\"" + device +
         "\",\"appliance\":\"dishwasher\",\"requestId\":\"r1\",\"action\":\"" + action + "\",\"plannedAt\":\"" + at +
         "\",\"planVersion\":" + std::to_string(planVersion) + "}";
}

void deliver(Device& d, const std::string& payload) {
  d.onMessage(d.commandTopic(), std::strlen(d.commandTopic()), payload.data(), payload.size());
}
}  // namespace

TEST(Device, ReadingsReachTheBrokerInOrderAcrossAnOutage) {
  Board b;
  Device d(b.hal, b.ringFlash, b.stateFlash, b.config);
  ASSERT_TRUE(d.begin());
  b.hal.online = true;
  d.onConnected();
  for (int i = 0; i < 5; i++) {
    b.hal.mono += 1000;
    d.addReading(Kind::plug, power(i));
    pump(d, b.hal, 2);
  }
  EXPECT_EQ(d.buffered(), 0u);
  b.hal.online = false;
  d.onDisconnected();
  for (int i = 5; i < 105; i++) {
    b.hal.mono += 1000;
    d.addReading(Kind::plug, power(i));
    d.loop();
  }
  EXPECT_EQ(d.buffered(), 100u);
  b.hal.online = true;
  d.onConnected();
  pump(d, b.hal);
  EXPECT_EQ(d.buffered(), 0u);
  const auto ts = publishedTimestamps(b.hal);
  ASSERT_EQ(ts.size(), 105u);
  for (size_t i = 1; i < ts.size(); i++) EXPECT_EQ(ts[i] - ts[i - 1], 1000);
  // Replayed as batches of at most batchMax.
  EXPECT_LE(b.hal.on("telemetry").size(), 5u + 100u / 10u + 2u);
  // The status is retained and carries the time.
  ASSERT_FALSE(b.hal.on("status").empty());
  EXPECT_TRUE(b.hal.on("status")[0].retain);
  EXPECT_NE(b.hal.on("status")[0].payload.find("\"state\":\"online\",\"ts\":"), std::string::npos);
}

TEST(Device, UnackedMessagesArePublishedAgainAfterAReconnect) {
  Board b;
  Device d(b.hal, b.ringFlash, b.stateFlash, b.config);
  ASSERT_TRUE(d.begin());
  b.hal.online = true;
  d.onConnected();
  d.addReading(Kind::plug, power(1));
  d.loop();  // published, no PUBACK yet
  d.onDisconnected();
  d.onConnected();
  pump(d, b.hal);
  const auto ts = publishedTimestamps(b.hal);
  ASSERT_EQ(ts.size(), 2u);  // at least once: the same point twice, which InfluxDB overwrites
  EXPECT_EQ(ts[0], ts[1]);
  EXPECT_EQ(d.buffered(), 0u);
}

TEST(Device, ReadingsBeforeTheClockSyncsAreDatedOnceItDoes) {
  Board b;
  b.hal.synced = false;
  Device d(b.hal, b.ringFlash, b.stateFlash, b.config);
  ASSERT_TRUE(d.begin());
  b.hal.online = true;
  d.onConnected();
  EXPECT_EQ(b.hal.on("status")[0].payload, "{\"v\":1,\"state\":\"online\"}");  // no ts: not synced
  b.hal.mono = 5000;
  d.addReading(Kind::plug, power(1));
  pump(d, b.hal, 3);
  EXPECT_TRUE(publishedTimestamps(b.hal).empty());
  b.hal.mono = 9000;
  b.hal.synced = true;
  pump(d, b.hal, 3);
  const auto ts = publishedTimestamps(b.hal);
  ASSERT_EQ(ts.size(), 1u);
  EXPECT_EQ(ts[0], kT0 + 5000);
  EXPECT_EQ(b.hal.on("status").back().payload.find("{\"v\":1,\"state\":\"online\",\"ts\":"), 0u);
}

TEST(Device, UndatableReadingsOfAnEarlierBootAreDroppedAndCounted) {
  Board b;
  b.hal.synced = false;
  {
    Device d(b.hal, b.ringFlash, b.stateFlash, b.config);
    ASSERT_TRUE(d.begin());
    d.addReading(Kind::plug, power(1));
    d.addReading(Kind::plug, power(2));
  }
  b.hal.synced = true;
  Device d(b.hal, b.ringFlash, b.stateFlash, b.config);
  ASSERT_TRUE(d.begin());
  b.hal.online = true;
  d.onConnected();
  d.addReading(Kind::plug, power(3));
  pump(d, b.hal);
  EXPECT_EQ(publishedTimestamps(b.hal).size(), 1u);
  EXPECT_EQ(d.state().rejectedReadings, 2u);
}

TEST(Device, OutOfContractReadingsAreRefusedAndCounted) {
  Board b;
  Device d(b.hal, b.ringFlash, b.stateFlash, b.config);
  ASSERT_TRUE(d.begin());
  d.addReading(Kind::plug, power(5e6));
  Reading t;
  t.set(Field::temperatureC, 20);
  d.addReading(Kind::plug, t);
  EXPECT_EQ(d.buffered(), 0u);
  EXPECT_EQ(d.state().rejectedReadings, 2u);
}

TEST(Device, RunsACommandAtItsPlannedTimeWithoutTheBrokerAndAcksOnceOnReconnect) {
  Board b;
  Device d(b.hal, b.ringFlash, b.stateFlash, b.config);
  ASSERT_TRUE(d.begin());
  b.hal.online = true;
  d.onConnected();
  b.hal.mono = 100000;  // past the minimum interval since boot
  const int64_t planned = kT0 + 160000;
  deliver(d, command("home-1/r1/start", "start", planned));
  pump(d, b.hal, 2);
  EXPECT_FALSE(b.hal.relay);
  b.hal.online = false;
  d.onDisconnected();
  b.hal.mono = 159999;
  d.loop();
  EXPECT_FALSE(b.hal.relay);
  b.hal.mono = 160000;
  d.loop();
  EXPECT_TRUE(b.hal.relay);
  EXPECT_TRUE(b.hal.on("acks").empty());
  b.hal.mono = 200000;
  b.hal.online = true;
  d.onConnected();
  pump(d, b.hal);
  const auto acks = b.hal.on("acks");
  ASSERT_EQ(acks.size(), 1u);
  EXPECT_EQ(acks[0].payload,
            "{\"idempotencyKey\":\"home-1/r1/start\",\"ok\":true,\"at\":\"2026-11-27T12:02:40.000Z\"}");
  // The retained command comes again on every subscribe: neither a second switch nor a second ack.
  deliver(d, command("home-1/r1/start", "start", planned));
  pump(d, b.hal);
  EXPECT_EQ(b.hal.on("acks").size(), 1u);
  EXPECT_EQ(b.hal.relayCalls, 2);  // boot restore + the start
}

TEST(Device, ExactlyOnceAcrossRestarts) {
  Board b;
  const int64_t planned = kT0 + 200000;
  {
    Device d(b.hal, b.ringFlash, b.stateFlash, b.config);
    ASSERT_TRUE(d.begin());
    deliver(d, command("home-1/r2/start", "start", planned));
  }
  b.hal.mono = 200000;  // restarted (mono is the new boot's, same wall clock)
  b.hal.wallOffset = kT0;
  {
    Device d(b.hal, b.ringFlash, b.stateFlash, b.config);
    ASSERT_TRUE(d.begin());
    b.hal.mono = 260000;  // minimum interval since the boot restore
    d.loop();
    EXPECT_TRUE(b.hal.relay);
    deliver(d, command("home-1/r2/start", "start", planned));  // redelivered retained
    b.hal.online = true;
    d.onConnected();
    d.loop();  // ack published, but power is lost before the PUBACK
    ASSERT_EQ(b.hal.on("acks").size(), 1u);
  }
  b.hal.out.clear();
  b.hal.relay = false;  // the relay drops with the power; the state restores it
  {
    Device d(b.hal, b.ringFlash, b.stateFlash, b.config);
    ASSERT_TRUE(d.begin());
    EXPECT_TRUE(b.hal.relay);
    d.onConnected();
    pump(d, b.hal);
    EXPECT_EQ(b.hal.on("acks").size(), 1u);  // the unconfirmed ack once more (QoS 1)
    deliver(d, command("home-1/r2/start", "start", planned));
    pump(d, b.hal);
  }
  b.hal.out.clear();
  Device d(b.hal, b.ringFlash, b.stateFlash, b.config);
  ASSERT_TRUE(d.begin());
  d.onConnected();
  deliver(d, command("home-1/r2/start", "start", planned));
  pump(d, b.hal);
  EXPECT_TRUE(b.hal.on("acks").empty());
}

TEST(Device, RefusesBadCommandsWithAnAckSayingWhyAndNeverSwitches) {
  Board b;
  Device d(b.hal, b.ringFlash, b.stateFlash, b.config);
  ASSERT_TRUE(d.begin());
  b.hal.online = true;
  d.onConnected();
  b.hal.mono = 100000;
  const int64_t now = kT0 + 100000;
  std::string big = command("home-1/big/start", "start", now);
  big.insert(big.size() - 1, ",\"pad\":\"" + std::string(2000, 'x') + "\"");
  struct Case {
    std::string payload, reason, error;
  };
  const std::vector<Case> cases = {
      {"{\"v\":1,\"idempotencyKey\":\"k1\",", "bad_json", "command: payload is not JSON"},
      {big, "payload_too_large", "command: over 1024 bytes"},
      {std::string(command("k3", "start", now)).replace(5, 1, "2"), "bad_version", "command: v must be 1"},
      {command("k4", "start", now, 1, "kettle"), "wrong_device", "command: for device kettle, not dishwasher"},
      {command("k5", "explode", now), "bad_value", "command: action \\\"explode\\\" is not start or stop"},
      {std::string(command("k6", "start", now)).replace(command("k6", "start", now).find("2026"), 4, "20x6"),
       "bad_value", "command: plannedAt must be an ISO-8601 time"},
      {command("k7", "start", now - 16 * 60000), "bad_value", "command: plannedAt is 960 s past"},
      {"[1,2]", "bad_json", "command: payload must be a JSON object"},
  };
  for (const auto& c : cases) deliver(d, c.payload);
  pump(d, b.hal);
  const auto acks = b.hal.on("acks");
  ASSERT_EQ(acks.size(), cases.size());
  for (size_t i = 0; i < cases.size(); i++) {
    SCOPED_TRACE(cases[i].payload.substr(0, 80));
    EXPECT_NE(acks[i].payload.find("\"ok\":false"), std::string::npos) << acks[i].payload;
    EXPECT_NE(acks[i].payload.find("\"reason\":\"" + cases[i].reason + "\""), std::string::npos) << acks[i].payload;
    EXPECT_NE(acks[i].payload.find("\"error\":\"" + cases[i].error), std::string::npos) << acks[i].payload;
  }
  EXPECT_EQ(acks[0].payload.find("{\"idempotencyKey\":null,"), 0u);
  EXPECT_EQ(acks[2].payload.find("{\"idempotencyKey\":\"k3\","), 0u);
  EXPECT_EQ(d.state().refusedCommands[static_cast<size_t>(CommandReject::bad_value)], 3u);
  EXPECT_EQ(b.hal.relayCalls, 1);  // only the boot restore
  // The same malformed payload again (retained): refused once, not per delivery.
  deliver(d, cases[0].payload);
  pump(d, b.hal);
  EXPECT_EQ(b.hal.on("acks").size(), cases.size());
  // Another device's topic is not ours to read.
  const std::string other = "carbonreducer/home-1/commands/kettle";
  const std::string cmd = command("k9", "start", now, 1, "kettle");
  d.onMessage(other.data(), other.size(), cmd.data(), cmd.size());
  pump(d, b.hal);
  EXPECT_EQ(b.hal.on("acks").size(), cases.size());
}

TEST(Device, RelayNeverSwitchesFasterThanTheMinimumInterval) {
  Board b;
  Device d(b.hal, b.ringFlash, b.stateFlash, b.config);
  ASSERT_TRUE(d.begin());
  b.hal.online = true;
  d.onConnected();
  b.hal.mono = 100000;
  deliver(d, command("k/start", "start", kT0 + 100000));
  deliver(d, command("k/stop", "stop", kT0 + 110000));
  for (b.hal.mono = 100000; b.hal.mono <= 200000; b.hal.mono += 1000) pump(d, b.hal, 1);
  const auto acks = b.hal.on("acks");
  ASSERT_EQ(acks.size(), 2u);
  EXPECT_NE(acks[0].payload.find("\"at\":\"2026-11-27T12:01:40.000Z\""), std::string::npos);
  // The stop was due at +110 s; it waits for the interval: +160 s.
  EXPECT_NE(acks[1].payload.find("\"at\":\"2026-11-27T12:02:40.000Z\""), std::string::npos) << acks[1].payload;
  EXPECT_FALSE(b.hal.relay);
}

TEST(Device, AReplanWithAHigherPlanVersionMovesAScheduledCommand) {
  Board b;
  Device d(b.hal, b.ringFlash, b.stateFlash, b.config);
  ASSERT_TRUE(d.begin());
  b.hal.mono = 100000;
  deliver(d, command("k/start", "start", kT0 + 120000, 1));
  deliver(d, command("k/start", "start", kT0 + 150000, 2));
  deliver(d, command("k/start", "start", kT0 + 110000, 1));  // an older plan does not move it back
  b.hal.mono = 149000;
  d.loop();
  EXPECT_FALSE(b.hal.relay);
  b.hal.mono = 150000;
  d.loop();
  EXPECT_TRUE(b.hal.relay);
}

TEST(Device, ButtonIsAManualStartEvent) {
  Board b;
  Device d(b.hal, b.ringFlash, b.stateFlash, b.config);
  ASSERT_TRUE(d.begin());
  b.hal.mono = 100000;
  d.buttonPressed();
  EXPECT_TRUE(b.hal.relay);
  b.hal.online = true;
  d.onConnected();
  pump(d, b.hal);
  const auto events = b.hal.on("events");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].payload, "{\"type\":\"manual_start\",\"at\":\"2026-11-27T12:01:40.000Z\"}");
  EXPECT_EQ(events[0].topic, "carbonreducer/home-1/events/dishwasher");
}

TEST(Device, EvictionIsAnnouncedInAHealthReading) {
  Board b;
  Device d(b.hal, b.ringFlash, b.stateFlash, b.config);
  ASSERT_TRUE(d.begin());
  const uint32_t cap = d.ring().capacity();
  for (uint32_t i = 0; i < cap + 10; i++) {
    b.hal.mono += 1000;
    d.addReading(Kind::plug, power(1));
  }
  EXPECT_EQ(d.state().evictedReadings, 64u);
  b.hal.online = true;
  d.onConnected();
  pump(d, b.hal, 400);
  std::vector<JsonToken> pool(64);
  bool announced = false;
  for (const auto& p : b.hal.on("telemetry")) {
    if (p.topic != "carbonreducer/home-1/telemetry/gateway/dishwasher") continue;
    announced = announced || p.payload.find("\"evictedReadings\":64") != std::string::npos;
  }
  EXPECT_TRUE(announced);
  ASSERT_EQ(b.hal.on("events").size(), 1u);
  EXPECT_EQ(b.hal.on("events")[0].payload.find("{\"type\":\"readings_evicted\",\"count\":64,\"at\":"), 0u);
  // Every reading is accounted for: published, or announced as evicted.
  EXPECT_EQ(publishedTimestamps(b.hal).size() + d.state().evictedReadings, cap + 10);
}

TEST(Device, EnergyRegisterNeverGoesBackwardsAcrossARestart) {
  Board b;
  {
    Device d(b.hal, b.ringFlash, b.stateFlash, b.config);
    ASSERT_TRUE(d.begin());
    Reading r = power(100);
    r.set(Field::energyWh, 1234.5);
    d.addReading(Kind::plug, r);  // stored in the ring, the state not saved since
  }
  Device d(b.hal, b.ringFlash, b.stateFlash, b.config);
  ASSERT_TRUE(d.begin());
  EXPECT_DOUBLE_EQ(d.energyBaseWh(), 1234.5);
}
