// The contract's golden fixtures (libs/telemetry/fixtures/golden.json, shared with the TS and Go validators) through
// the C++ validator, and the TS encoder's output (test/fixtures/encoding.json, generated) through the C++ encoder.
#include <cr/encode.h>
#include <cr/validate.h>
#include <gtest/gtest.h>

#include <cstring>
#include <memory>

#include "test_util.h"

using namespace cr;
using crtest::Doc;

namespace {
const long long kNowMs = 1795780800000LL;  // Date.UTC(2026, 10, 27, 12, 0, 0), as validate.test.ts
std::vector<JsonToken> gPool(1u << 16);

std::unique_ptr<ValidationResult> validate(const std::string& topic, const std::string& payload) {
  auto r = std::make_unique<ValidationResult>();
  validateMessage(topic.data(), topic.size(), payload.data(), payload.size(), kNowMs, gPool.data(),
                  static_cast<uint32_t>(gPool.size()), r.get());
  return r;
}
}  // namespace

TEST(GoldenFixtures, SameResultsAsTheTypeScriptAndGoValidators) {
  Doc golden(crtest::readRepoFile("libs/telemetry/fixtures/golden.json"));
  ASSERT_TRUE(golden.ok);
  const uint32_t cases = golden.get(0, "cases");
  ASSERT_GT(golden.doc.at(cases).size, 40u);
  for (uint32_t n = 0; n < golden.doc.at(cases).size; n++) {
    const uint32_t c = golden.doc.element(cases, n);
    const std::string name = golden.str(golden.get(c, "name"));
    SCOPED_TRACE(name);
    const std::string topic = crtest::renderTemplate(golden.str(golden.get(c, "topic")), "home-1", kNowMs);
    const std::string payload = crtest::renderTemplate(golden.str(golden.get(c, "payload")), "home-1", kNowMs);
    const uint32_t expect = golden.get(c, "expect");
    const auto r = validate(topic, payload);
    EXPECT_EQ(r->pointCount, static_cast<uint32_t>(golden.doc.number(golden.get(expect, "points"))));
    const uint32_t rejects = golden.get(expect, "rejects");
    ASSERT_EQ(r->rejectCount, golden.doc.at(rejects).size);
    for (uint32_t k = 0; k < r->rejectCount; k++)
      EXPECT_STREQ(reasonName(r->rejects[k].reason), golden.str(golden.doc.element(rejects, k)).c_str());
    if (golden.has(expect, "details")) {
      const uint32_t details = golden.get(expect, "details");
      for (uint32_t k = 0; k < r->rejectCount; k++)
        EXPECT_EQ(std::string(r->rejects[k].detail), golden.str(golden.doc.element(details, k)));
    }
  }
}

TEST(TrimFixtures, TrimmedAsTelegrafAndTheTypeScriptValidator) {
  Doc fx(crtest::readRepoFile("libs/telemetry/fixtures/trim.json"));
  ASSERT_TRUE(fx.ok) << "libs/telemetry/fixtures/trim.json missing or not JSON";
  const uint32_t cases = fx.get(0, "cases");
  ASSERT_GT(fx.doc.at(cases).size, 5u);
  for (uint32_t n = 0; n < fx.doc.at(cases).size; n++) {
    const uint32_t c = fx.doc.element(cases, n);
    SCOPED_TRACE(fx.str(fx.get(c, "name")));
    const std::string in = fx.str(fx.get(c, "input"));
    size_t a = 0, b = 0;
    trimPayload(in.data(), in.size(), &a, &b);
    EXPECT_EQ(in.substr(a, b - a), fx.str(fx.get(c, "trimmed")));
  }
}

TEST(Validator, DetailsAsTheTypeScriptValidatorWritesThem) {
  EXPECT_STREQ(validate("carbonreducer/h/telemetry/meter/m", "{\"v\":2,\"ts\":1,\"powerW\":1}")->rejects[0].detail, "v=2");
  EXPECT_STREQ(validate("carbonreducer/h/telemetry/meter/m", "{\"ts\":1}")->rejects[0].detail, "v=null");
  EXPECT_STREQ(validate("carbonreducer/h/telemetry/meter/m", "{\"v\":{\"a\":1.50,\"a\":\"x\\n\"}}")->rejects[0].detail,
               "v={\"a\":\"x\\n\"}");
  EXPECT_STREQ(validate("carbonreducer/h/status/k", "{\"v\":1,\"state\":\"sleeping\"}")->rejects[0].detail,
               "state=\"sleeping\"");
  EXPECT_STREQ(validate("carbonreducer/h/telemetry/meter/m", "{\"v\":1,\"ts\":1795780800000,\"powerW\":1e7}")
                   ->rejects[0]
                   .detail,
               "powerW=10000000 outside [-100000, 100000] W");
  EXPECT_STREQ(validate("carbonreducer/h/telemetry/plug/p", "{\"v\":1,\"ts\":1795780800000,\"powerKW\":1}")
                   ->rejects[0]
                   .detail,
               "powerKW (contract for plug: powerW, energyWh, currentA, voltageV)");
  EXPECT_STREQ(validate("carbonreducer/h/telemetry/meter/m", "{\"v\":1,\"ts\":1795784400000,\"powerW\":1}")
                   ->rejects[0]
                   .detail,
               "ts=1795784400000 is 3600000 ms ahead");
  EXPECT_STREQ(validate("carbonreducer/h/telemetry/meter/m", "{\"v\":1,\"ts\":1795780800000,\"zeta\":1,\"alpha\":2,\"powerW\":1}")
                   ->rejects[0]
                   .detail,
               "alpha");
  EXPECT_STREQ(validate("carbonreducer/h/commands/k", "{}")->rejects[0].detail, "carbonreducer/h/commands/k");
}

TEST(Validator, BatchLimitAndTokenPool) {
  std::string batch = "{\"v\":1,\"readings\":[";
  for (int i = 0; i < 500; i++) batch += (i ? "," : "") + std::string("{\"ts\":1795780700000,\"powerW\":1}");
  EXPECT_EQ(validate("carbonreducer/h/telemetry/meter/m", batch + "]}")->pointCount, 500u);
  EXPECT_STREQ(validate("carbonreducer/h/telemetry/meter/m", batch + ",{\"ts\":1795780700000,\"powerW\":1}]}")
                   ->rejects[0]
                   .detail,
               "501 readings > 500");
  JsonToken small[8];
  ValidationResult r;
  const std::string t = "carbonreducer/h/telemetry/meter/m";
  validateMessage(t.data(), t.size(), batch.data(), batch.size(), kNowMs, small, 8, &r);
  EXPECT_EQ(r.rejects[0].reason, RejectReason::payload_too_large);
}

TEST(Json, StrictAsJsonParse) {
  const char* bad[] = {"{,}", "{\"a\":1,}", "[1,]", "01", "1.", ".5", "-", "\"\\x\"", "\"a\nb\"", "{\"a\" 1}", "tru",
                       "nul", "[1 2]", "{} {}", "\"\\u12g4\"", "1e", "+1", "NaN", "[", "{\"a\":1"};
  JsonToken pool[32];
  for (const char* s : bad) {
    JsonDoc doc(pool, 32);
    EXPECT_NE(doc.parse(s, std::strlen(s)), JsonError::None) << s;
  }
  const char* good[] = {"{}", "[]", "0", "-0.5e+3", "\"\\ud83d\\udd0c\"", " {\"a\" : [ true , false , null ] } ",
                        "1E5", "\"\\/\""};
  for (const char* s : good) {
    JsonDoc doc(pool, 32);
    EXPECT_EQ(doc.parse(s, std::strlen(s)), JsonError::None) << s;
  }
  JsonDoc doc(pool, 32);
  ASSERT_EQ(doc.parse("\"\\ud83d\\udd0c\\u00e9\"", 20), JsonError::None);
  char out[16];
  ASSERT_TRUE(doc.copyString(0, out, sizeof out));
  EXPECT_STREQ(out, "\xF0\x9F\x94\x8C\xC3\xA9");
  std::string deep(100, '[');
  EXPECT_EQ(JsonDoc(pool, 32).parse(deep.data(), deep.size()), JsonError::TooManyTokens);
}

namespace {
Reading readingFrom(const Doc& d, uint32_t obj) {
  Reading r;
  r.tsMs = static_cast<int64_t>(d.doc.number(d.get(obj, "tsMs")));
  for (size_t i = 0; i < kFieldCount; i++) {
    if (d.has(obj, contract::kFields[i].key))
      r.set(static_cast<Field>(i), d.doc.number(d.get(obj, contract::kFields[i].key)));
  }
  return r;
}
}  // namespace

TEST(Encoder, SameBytesAsTheTypeScriptEncoder) {
  Doc fx(crtest::readRepoFile("firmware/test/fixtures/encoding.json"));
  ASSERT_TRUE(fx.ok);
  static char buf[65536];
  const uint32_t readings = fx.get(0, "readings");
  ASSERT_GT(fx.doc.at(readings).size, 50u);
  for (uint32_t n = 0; n < fx.doc.at(readings).size; n++) {
    const uint32_t c = fx.doc.element(readings, n);
    Writer w(buf, sizeof buf);
    ASSERT_TRUE(encodeReading(readingFrom(fx, fx.get(c, "reading")), w));
    EXPECT_EQ(std::string(w.c_str()), fx.str(fx.get(c, "json")));
  }
  const uint32_t batches = fx.get(0, "batches");
  for (uint32_t n = 0; n < fx.doc.at(batches).size; n++) {
    const uint32_t c = fx.doc.element(batches, n);
    const uint32_t list = fx.get(c, "readings");
    std::vector<Reading> rs;
    for (uint32_t k = 0; k < fx.doc.at(list).size; k++) rs.push_back(readingFrom(fx, fx.doc.element(list, k)));
    Writer w(buf, sizeof buf);
    ASSERT_TRUE(encodeBatch(rs.data(), static_cast<uint32_t>(rs.size()), w));
    EXPECT_EQ(std::string(w.c_str()), fx.str(fx.get(c, "json")));
  }
  const uint32_t statuses = fx.get(0, "statuses");
  for (uint32_t n = 0; n < fx.doc.at(statuses).size; n++) {
    const uint32_t c = fx.doc.element(statuses, n);
    Writer w(buf, sizeof buf);
    const bool hasTs = fx.has(c, "tsMs");
    ASSERT_TRUE(encodeStatus(fx.str(fx.get(c, "state")) == "online", hasTs,
                             hasTs ? static_cast<int64_t>(fx.doc.number(fx.get(c, "tsMs"))) : 0, w));
    EXPECT_EQ(std::string(w.c_str()), fx.str(fx.get(c, "json")));
  }
}

TEST(Encoder, EveryEncodedReadingPassesTheValidator) {
  Doc fx(crtest::readRepoFile("firmware/test/fixtures/encoding.json"));
  const uint32_t readings = fx.get(0, "readings");
  static char buf[4096];
  for (uint32_t n = 0; n < fx.doc.at(readings).size; n++) {
    Reading r = readingFrom(fx, fx.get(fx.doc.element(readings, n), "reading"));
    r.tsMs = kNowMs - 1000;
    for (size_t k = 0; k < kKindCount; k++) {
      const Kind kind = static_cast<Kind>(k);
      Writer w(buf, sizeof buf);
      ASSERT_TRUE(encodeReading(r, w));
      std::string topic = std::string("carbonreducer/h/telemetry/") + kindName(kind) + "/d";
      EXPECT_EQ(validate(topic, w.c_str())->pointCount == 1, readingInContract(r, kind)) << w.c_str();
    }
  }
}

TEST(Encoder, OverflowIsReportedNotWritten) {
  char buf[16];
  Writer w(buf, sizeof buf);
  Reading r;
  r.tsMs = kNowMs;
  r.set(Field::powerW, 1);
  EXPECT_FALSE(encodeReading(r, w));
  EXPECT_LT(std::strlen(buf), sizeof buf);
}

TEST(Text, IsoTimes) {
  char buf[40];
  Writer w(buf, sizeof buf);
  w.isoTime(kNowMs + 5);
  EXPECT_STREQ(buf, "2026-11-27T12:00:00.005Z");
  int64_t ms = 0;
  ASSERT_TRUE(parseIsoTime("2026-11-27T12:00:00.005Z", 24, &ms));
  EXPECT_EQ(ms, kNowMs + 5);
  ASSERT_TRUE(parseIsoTime("2026-11-27T12:00:00Z", 20, &ms));
  EXPECT_EQ(ms, kNowMs);
  EXPECT_FALSE(parseIsoTime("2026-02-30T12:00:00Z", 20, &ms));
  EXPECT_FALSE(parseIsoTime("2026-11-27 12:00:00Z", 20, &ms));
  EXPECT_FALSE(parseIsoTime("2026-11-27T12:00:00", 19, &ms));
}

TEST(Topics, BuildAndParse) {
  char buf[200];
  Writer w(buf, sizeof buf);
  ASSERT_TRUE(telemetryTopic(w, "home-7", Kind::plug, "washing_machine"));
  EXPECT_STREQ(buf, "carbonreducer/home-7/telemetry/plug/washing_machine");
  ParsedTopic t;
  ASSERT_TRUE(parseTopic(buf, std::strlen(buf), &t));
  EXPECT_EQ(t.type, TopicType::Telemetry);
  EXPECT_TRUE(t.deviceId.equals("washing_machine"));
  w.clear();
  ASSERT_TRUE(deviceTopic(w, TopicType::Command, "home-7", "kettle"));
  EXPECT_STREQ(buf, "carbonreducer/home-7/commands/kettle");
  w.clear();
  EXPECT_FALSE(deviceTopic(w, TopicType::Ack, "Home 7", "kettle"));
  EXPECT_FALSE(isValidId("-x"));
  EXPECT_FALSE(isValidId(std::string(65, 'a').c_str()));
  EXPECT_TRUE(isValidId(std::string(64, 'a').c_str()));
}
