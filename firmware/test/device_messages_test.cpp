// The contract's service <-> device golden cases (libs/telemetry/fixtures/device-messages.json, shared with the TS
// parsers in libs/telemetry/src/device.ts) through the C++ parsers and encoders: the same results, case by case.
#include <cr/commands.h>
#include <cr/validate.h>
#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "test_util.h"

using namespace cr;
using crtest::Doc;

namespace {
struct Outcome {
  bool ok = false;
  std::string value;  // JSON in the TS object's key order
  std::string reason, field;
  bool keyKnown = false;  // commands: the refusing ack's key
  std::string key;        // "null" or the quoted key
};

void at(Writer& w, const char* name, const char* v) {
  if (v[0] != '\0') w.raw(",\"").raw(name).raw("\":").quoted(v);
}

Outcome fromError(const ParseError& e) {
  Outcome o;
  o.reason = rejectName(e.reason);
  o.field = e.field;
  return o;
}

Outcome runCommand(const std::string& topic, const std::string& payload) {
  ParsedTopic t;
  EXPECT_TRUE(parseTopic(topic.data(), topic.size(), &t) && t.type == TopicType::Command) << topic;
  const std::string home(t.homeId.p, t.homeId.n), device(t.deviceId.p, t.deviceId.n);
  static ParsedCommand c;
  parseCommand(payload.data(), payload.size(), home.c_str(), device.c_str(), &c);
  Outcome o;
  if (c.error.failed) {
    o = fromError(c.error);
    o.keyKnown = true;
    char buf[200];
    Writer w(buf, sizeof buf);
    if (c.hasKey) w.quoted(c.key);
    else w.raw("null");
    o.key = buf;
    return o;
  }
  static char buf[2048];
  Writer w(buf, sizeof buf);
  w.raw("{\"v\":1,\"idempotencyKey\":").quoted(c.key).raw(",\"homeId\":").quoted(c.homeId);
  w.raw(",\"deviceId\":").quoted(c.deviceId).raw(",\"appliance\":").quoted(c.appliance);
  w.raw(",\"requestId\":").quoted(c.requestId).raw(",\"action\":").quoted(c.action == Action::start ? "start" : "stop");
  w.raw(",\"plannedAt\":").quoted(c.plannedAt).raw(",\"planVersion\":").integer(c.planVersion).ch('}');
  o.ok = true;
  o.value = buf;
  return o;
}

Outcome runAck(const std::string& payload) {
  static ParsedAck a;
  parseAck(payload.data(), payload.size(), &a);
  if (a.error.failed) return fromError(a.error);
  static char buf[1024];
  Writer w(buf, sizeof buf);
  w.raw("{\"idempotencyKey\":");
  if (a.hasKey) w.quoted(a.key);
  else w.raw("null");
  w.raw(",\"ok\":").raw(a.ok ? "true" : "false");
  at(w, "at", a.at);
  if (a.hasReason) w.raw(",\"reason\":").quoted(rejectName(a.reason));
  if (a.hasError) w.raw(",\"error\":").quoted(a.errorText);
  w.ch('}');
  Outcome o;
  o.ok = true;
  o.value = buf;
  return o;
}

Outcome runEvent(const std::string& payload) {
  ParsedEvent e;
  parseEvent(payload.data(), payload.size(), &e);
  if (e.error.failed) return fromError(e.error);
  char buf[256];
  Writer w(buf, sizeof buf);
  w.raw("{\"type\":").quoted(contract::kDeviceEventTypes[static_cast<size_t>(e.type)]);
  if (e.type == EventType::readings_evicted) w.raw(",\"count\":").integer(e.count);
  at(w, "at", e.at);
  w.ch('}');
  Outcome o;
  o.ok = true;
  o.value = buf;
  return o;
}

Outcome runNotification(const std::string& payload) {
  static ParsedNotification n;
  parseNotification(payload.data(), payload.size(), &n);
  if (n.error.failed) return fromError(n.error);
  static char buf[2048];
  Writer w(buf, sizeof buf);
  w.raw("{\"v\":1,\"id\":").quoted(n.id).raw(",\"kind\":").quoted(contract::kNotificationKinds[n.kind]);
  w.raw(",\"title\":").quoted(n.title).raw(",\"body\":").quoted(n.body).raw(",\"at\":").quoted(n.at);
  at(w, "from", n.from);
  at(w, "to", n.to);
  w.ch('}');
  Outcome o;
  o.ok = true;
  o.value = buf;
  return o;
}

std::string stringify(const Doc& d, uint32_t i) {
  static char buf[4096];
  Writer w(buf, sizeof buf);
  stringifyJson(d.doc, i, w);
  return buf;
}
}  // namespace

TEST(DeviceMessageFixtures, SameResultsAsTheTypeScriptParsers) {
  Doc fx(crtest::readRepoFile("libs/telemetry/fixtures/device-messages.json"));
  ASSERT_TRUE(fx.ok) << "libs/telemetry/fixtures/device-messages.json missing or not JSON";
  const uint32_t cases = fx.get(0, "cases");
  int seen[4] = {};
  ASSERT_GT(fx.doc.at(cases).size, 30u);
  for (uint32_t n = 0; n < fx.doc.at(cases).size; n++) {
    const uint32_t c = fx.doc.element(cases, n);
    SCOPED_TRACE(fx.str(fx.get(c, "name")));
    const std::string kind = fx.str(fx.get(c, "message"));
    const std::string topic = fx.str(fx.get(c, "topic"));
    const std::string payload = fx.str(fx.get(c, "payload"));
    Outcome o;
    if (kind == "command") o = runCommand(topic, payload), seen[0]++;
    else if (kind == "ack") o = runAck(payload), seen[1]++;
    else if (kind == "event") o = runEvent(payload), seen[2]++;
    else if (kind == "notification") o = runNotification(payload), seen[3]++;
    else ADD_FAILURE() << "unknown message kind " << kind;
    const uint32_t expect = fx.get(c, "expect");
    const bool ok = fx.doc.at(fx.get(expect, "ok")).type == JsonType::True;
    ASSERT_EQ(o.ok, ok) << (o.ok ? o.value : o.reason + " " + o.field);
    if (ok) {
      EXPECT_EQ(o.value, stringify(fx, fx.get(expect, "value")));
      continue;
    }
    EXPECT_EQ(o.reason, fx.str(fx.get(expect, "reason")));
    EXPECT_EQ(o.field, fx.has(expect, "field") ? fx.str(fx.get(expect, "field")) : "");
    if (fx.has(expect, "idempotencyKey")) EXPECT_EQ(o.key, stringify(fx, fx.get(expect, "idempotencyKey")));
  }
  for (int k : seen) EXPECT_GT(k, 0);
}

// What the device sends (acks, events) reads back as the fixtures' accepted values, byte for byte where the fixture
// writes its time as the device does (toISOString, with milliseconds).
TEST(DeviceMessageFixtures, DeviceEncodersWriteWhatTheParsersAccept) {
  Doc fx(crtest::readRepoFile("libs/telemetry/fixtures/device-messages.json"));
  ASSERT_TRUE(fx.ok);
  const uint32_t cases = fx.get(0, "cases");
  int exact = 0;
  for (uint32_t n = 0; n < fx.doc.at(cases).size; n++) {
    const uint32_t c = fx.doc.element(cases, n);
    const std::string kind = fx.str(fx.get(c, "message"));
    const uint32_t expect = fx.get(c, "expect");
    if ((kind != "ack" && kind != "event") || fx.doc.at(fx.get(expect, "ok")).type != JsonType::True) continue;
    SCOPED_TRACE(fx.str(fx.get(c, "name")));
    const std::string payload = fx.str(fx.get(c, "payload"));
    const uint32_t v = fx.get(expect, "value");
    int64_t atMs = 0;
    const bool hasAt = fx.has(v, "at");
    const std::string atText = hasAt ? fx.str(fx.get(v, "at")) : "";
    if (hasAt) ASSERT_TRUE(parseContractTime(atText.data(), atText.size(), &atMs));
    char buf[1024];
    Writer w(buf, sizeof buf);
    if (kind == "ack") {
      ParsedAck a;
      parseAck(payload.data(), payload.size(), &a);
      ASSERT_FALSE(a.error.failed);
      ASSERT_TRUE(encodeAck(a.hasKey ? a.key : nullptr, a.ok, hasAt, atMs, a.hasReason ? &a.reason : nullptr,
                            a.hasError ? a.errorText : nullptr, w));
      Outcome back = runAck(buf);
      ASSERT_TRUE(back.ok) << buf;
    } else {
      ParsedEvent e;
      parseEvent(payload.data(), payload.size(), &e);
      ASSERT_FALSE(e.error.failed);
      ASSERT_TRUE(encodeEvent(e.type, e.count, hasAt, atMs, w));
      ASSERT_TRUE(runEvent(buf).ok) << buf;
    }
    if (!hasAt || atText.size() == 24) {
      EXPECT_EQ(std::string(buf), payload);
      exact++;
    }
  }
  EXPECT_GT(exact, 2);
}

TEST(ContractTime, ReadAsDateParseDoes) {
  int64_t ms = 0;
  ASSERT_TRUE(parseContractTime("2026-12-03T02:30:00+01:00", 25, &ms));
  EXPECT_EQ(ms, 1796261400000LL);
  ASSERT_TRUE(parseContractTime("2026-02-30T00:00Z", 17, &ms));  // rolls over to 2 March, as V8
  EXPECT_EQ(ms, 1772409600000LL);
  ASSERT_TRUE(parseContractTime("2026-12-03T24:00:00Z", 20, &ms));
  EXPECT_EQ(ms, 1796342400000LL);
  ASSERT_TRUE(parseContractTime("2026-12-03T01:30:00.123456789Z", 30, &ms));
  EXPECT_EQ(ms, 1796261400123LL);
  ASSERT_TRUE(parseContractTime("2026-12-03T02:30:00-00:00", 25, &ms));
  EXPECT_EQ(ms, 1796265000000LL);
  for (const char* bad : {"2026-13-01T00:00Z", "2026-12-03T24:00:01Z", "2026-12-03T25:00Z", "2026-12-03T02:30:00+25:00",
                          "2026-12-03T02:60:00Z", "2026-12-03T02:59:60Z", "2026-00-03T02:00Z", "2026-12-00T02:00Z",
                          "2026-12-03T02:30:00+12:60", "2026-12-03T02:30:00", "2026-12-03 02:30Z", "tomorrow",
                          "2026-12-03T02:30:00.Z", "2026-12-03T02:30:00.1234567890Z"})
    EXPECT_FALSE(parseContractTime(bad, std::strlen(bad), &ms)) << bad;
}
