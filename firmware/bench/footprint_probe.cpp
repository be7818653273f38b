// Links what a plug uses from the core (device, ring, commands, metering, encoders; not the host-side validator) so
// that `size` with --gc-sections shows the core's code size, and prints the RAM its fixed buffers take.
#include <cr/device.h>
#include <cr/json.h>
#include <cr/metering.h>

#include <cstdio>
#include <cstring>

namespace {
struct NullHal final : cr::Hal {
  int64_t t = 0;
  int64_t monoMs() override { return t += 10; }
  bool wallMs(int64_t* ms) override {
    *ms = 1796261400000LL + t;
    return true;
  }
  void setRelay(bool) override {}
  bool publish(const char*, const char*, size_t, bool, int* id) override {
    *id = 1;
    return true;
  }
  void log(const char*, const char*) override {}
};
uint8_t ringMem[4096 * 4];
uint8_t stateMem[4096 * 2];
}  // namespace

int main(int argc, char** argv) {
  if (argc > 1 && std::strcmp(argv[1], "--sizes") == 0) {
    std::printf("Device %zu\nPersistentState %zu\nDeviceConfig %zu\nOutageRing %zu\nParsedCommand %zu\n"
                "JsonToken %zu\nStoredReading %zu\n",
                sizeof(cr::Device), sizeof(cr::PersistentState), sizeof(cr::DeviceConfig), sizeof(cr::OutageRing),
                sizeof(cr::ParsedCommand), sizeof(cr::JsonToken), sizeof(cr::StoredReading));
    return 0;
  }
  std::memset(ringMem, 0xFF, sizeof ringMem);
  std::memset(stateMem, 0xFF, sizeof stateMem);
  static cr::RamFlash ring(ringMem, 4096, 4), state(stateMem, 4096, 2);
  static cr::DeviceConfig config;
  cr::defaultConfig(&config);
  char err[64];
  for (int i = 1; i < argc; i++) cr::applyConfigLine(&config, argv[i], std::strlen(argv[i]), err, sizeof err);
  static NullHal hal;
  static cr::Device device(hal, ring, state, config);
  device.begin();
  device.onConnected();
  cr::PulseMeter pulses(config.pulse);
  cr::CtClamp clamp(config.ct);
  cr::EnergyIntegrator energy;
  uint16_t samples[4] = {1, 2, 3, 4};
  clamp.window(samples, 4);
  energy.sample(clamp.powerW(), 1);
  pulses.window(static_cast<uint32_t>(argc), 2, true, 1000000);
  uint8_t pad[9] = {};
  double c = 0;
  cr::decodeDs18b20(pad, &c);
  cr::IntensityMonitor im;
  im.line(argv[0], 3);
  cr::Reading r;
  r.set(cr::Field::powerW, pulses.powerW()).set(cr::Field::energyWh, energy.energyWh() + c + im.intensityGPerKWh());
  device.addReading(cr::Kind::plug, r);
  device.onMessage(device.commandTopic(), std::strlen(device.commandTopic()), argv[0], std::strlen(argv[0]));
  device.buttonPressed();
  device.loop();
  device.onPublished(1);
  return static_cast<int>(device.buffered());
}
