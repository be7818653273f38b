// Metering and configuration: pulses, CT samples, energy, DS18B20 scratchpads, intensity lines, provisioning lines.
#include <cr/commands.h>
#include <cr/config.h>
#include <cr/flash.h>
#include <cr/crc.h>
#include <cr/metering.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <vector>

using namespace cr;

TEST(PulseMeter, PowerFromFrequencyEnergyFromPulsesAndCalibration) {
  PulseMeter m(PulseCalibration{});
  // A 2000 W kettle: with 1.3 W/Hz the CF pin runs at ~1538 Hz.
  m.window(1538, 1780, true, 1000000);
  EXPECT_NEAR(m.powerW(), 1999.4, 0.1);
  EXPECT_NEAR(m.voltageV(), 229.6, 0.1);
  m.window(1538, 670, false, 1000000);
  EXPECT_NEAR(m.currentA(), 7.9, 0.01);
  EXPECT_NEAR(m.energyWh(), 2 * 1538 * 1.3 / 3600, 1e-9);
  m.calibrate(2000, 230, 8.7);
  EXPECT_NEAR(m.calibration().wattsPerHz, 2000.0 / 1538, 1e-12);
  m.window(769, 0, false, 500000);  // same load over half a second
  EXPECT_NEAR(m.powerW(), 2000, 1e-9);
  EXPECT_NEAR(m.currentA(), 0, 1e-9);
}

TEST(CtClamp, RmsWithoutTheBiasAndCalibratedGain) {
  CtCalibration cal;
  CtClamp ct(cal);
  std::vector<uint16_t> s;
  // 10 A RMS sine on a 2048 bias: peak 14.142 A / 0.0147 A per count = 962 counts; 4 cycles of 100 samples.
  for (int i = 0; i < 400; i++) s.push_back(static_cast<uint16_t>(std::lround(2048 + 962.0 * std::sin(2 * M_PI * i / 100))));
  ct.window(s.data(), s.size());
  EXPECT_NEAR(ct.currentA(), 10.0, 0.05);
  EXPECT_NEAR(ct.powerW(), 2300, 12);
  ct.calibrate(10.0);
  EXPECT_NEAR(ct.currentA(), 10.0, 1e-9);
  std::vector<uint16_t> idle(400, 2048);
  idle[7] = 2049;
  ct.window(idle.data(), idle.size());
  EXPECT_EQ(ct.powerW(), 0);  // noise floor
}

TEST(EnergyIntegrator, TrapezoidsSkippingGaps) {
  EnergyIntegrator e(100);
  e.sample(1000, 0);
  e.sample(1000, 3600000 / 2);  // a gap above the default 60 s is not integrated
  EXPECT_DOUBLE_EQ(e.energyWh(), 100);
  EnergyIntegrator f(0);
  for (int64_t t = 0; t <= 3600000; t += 10000) f.sample(500, t);
  EXPECT_NEAR(f.energyWh(), 500, 1e-9);
  f.sample(-300, 3610000);  // export does not run the register back
  f.sample(-300, 3620000);
  EXPECT_GE(f.energyWh(), 500);
}

TEST(Ds18b20, DecodesScratchpads) {
  uint8_t s[9] = {0x91, 0x01, 0x4B, 0x46, 0x7F, 0xFF, 0x0C, 0x10, 0};  // +25.0625 °C (datasheet)
  s[8] = crc8Maxim(s, 8);
  double c = 0;
  ASSERT_EQ(decodeDs18b20(s, &c), Ds18b20Status::ok);
  EXPECT_DOUBLE_EQ(c, 25.0625);
  uint8_t neg[9] = {0x5E, 0xFF, 0x4B, 0x46, 0x7F, 0xFF, 0x0C, 0x10, 0};  // −10.125 °C
  neg[8] = crc8Maxim(neg, 8);
  ASSERT_EQ(decodeDs18b20(neg, &c), Ds18b20Status::ok);
  EXPECT_DOUBLE_EQ(c, -10.125);
  s[0] ^= 1;
  EXPECT_EQ(decodeDs18b20(s, &c), Ds18b20Status::crc_mismatch);
  uint8_t por[9] = {0x50, 0x05, 0x4B, 0x46, 0x7F, 0xFF, 0x0C, 0x10, 0};
  por[8] = crc8Maxim(por, 8);
  EXPECT_EQ(decodeDs18b20(por, &c), Ds18b20Status::power_on_value);
  uint8_t none[9];
  std::memset(none, 0xFF, 9);
  EXPECT_EQ(decodeDs18b20(none, &c), Ds18b20Status::disconnected);
}

TEST(IntensityMonitor, MedianOfPlausibleLines) {
  IntensityMonitor m;
  EXPECT_FALSE(m.ready());
  EXPECT_TRUE(m.line("187\r\n", 5));
  EXPECT_FALSE(m.line("abc\n", 4));
  EXPECT_FALSE(m.line("-5\n", 3));
  EXPECT_FALSE(m.line("99999\n", 6));
  EXPECT_TRUE(m.line("190", 3));
  EXPECT_TRUE(m.line("2500", 4));  // a spike
  EXPECT_DOUBLE_EQ(m.intensityGPerKWh(), 190);
}

TEST(Config, ProvisioningLines) {
  DeviceConfig c;
  defaultConfig(&c);
  char err[128];
  const char* lines[] = {"# provisioned over serial", "homeId=home-1", "deviceId=dishwasher",
                         "brokerUrl=mqtts://broker.example:8883", "mqttUsername=dev-dishwasher",
                         "mqttPassword=s3cret", "caCert=-----BEGIN CERTIFICATE-----\\n", "caCert=MIIB\\n",
                         "kind=plug", "minSwitchIntervalMs=120000", "pulse.wattsPerHz=1.29", ""};
  char why[128];
  EXPECT_FALSE(configComplete(c, why, sizeof why));
  for (const char* l : lines) ASSERT_TRUE(applyConfigLine(&c, l, std::strlen(l), err, sizeof err)) << l << ": " << err;
  EXPECT_TRUE(configComplete(c, why, sizeof why)) << why;
  EXPECT_STREQ(c.caCert, "-----BEGIN CERTIFICATE-----\nMIIB\n");
  EXPECT_EQ(c.minSwitchIntervalMs, 120000u);
  EXPECT_DOUBLE_EQ(c.pulse.wattsPerHz, 1.29);
  const struct {
    const char* line;
    const char* error;
  } bad[] = {{"homeId=Home 1", "homeId: not a valid id"},
             {"colour=red", "unknown key colour"},
             {"minSwitchIntervalMs=-1", "minSwitchIntervalMs: number out of range"},
             {"kind=toaster", "kind: expected"},
             {"noequals", "expected key=value"}};
  for (const auto& b : bad) {
    EXPECT_FALSE(applyConfigLine(&c, b.line, std::strlen(b.line), err, sizeof err));
    EXPECT_EQ(std::strncmp(err, b.error, std::strlen(b.error)), 0) << err;
  }
  std::strcpy(c.caCert, "");
  EXPECT_FALSE(configComplete(c, why, sizeof why));
  EXPECT_STREQ(why, "caCert missing for mqtts://");
}

TEST(Config, StoredApartFromCodeSurvivesATornSave) {
  std::vector<uint8_t> mem(4096 * 2, 0xFF);
  RamFlash flash(mem.data(), 4096, 2);
  DeviceConfig c;
  defaultConfig(&c);
  std::strcpy(c.homeId, "home-1");
  BlobStore store(flash, 0);
  ASSERT_TRUE(store.save(&c, sizeof c));
  std::strcpy(c.homeId, "home-2");
  flash.cutPowerAfter(100);
  EXPECT_FALSE(store.save(&c, sizeof c));
  flash.restorePower();
  DeviceConfig loaded;
  BlobStore again(flash, 0);
  ASSERT_TRUE(again.load(&loaded, sizeof loaded));
  EXPECT_STREQ(loaded.homeId, "home-1");
  ASSERT_TRUE(again.save(&c, sizeof c));
  BlobStore third(flash, 0);
  ASSERT_TRUE(third.load(&loaded, sizeof loaded));
  EXPECT_STREQ(loaded.homeId, "home-2");
}
