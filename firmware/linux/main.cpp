// cr_virtual_device: the firmware core as a Linux process, a real device for the integration tests.
//   cr_virtual_device --config FILE --data DIR [--sntp-delay-ms N] [--load-w W] [--standby-w W] [--burst N]
// FILE holds provisioning lines (key=value, as the ESP32's serial console takes them). DIR holds the flash files.
// stdin takes `button` (a press) and `quit`; stdout gets one JSON line per event.
#include <mosquitto.h>
#include <poll.h>
#include <signal.h>
#include <time.h>

#include <cmath>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>

#include "board.h"
#include <cr/config.h>
#include <cr/metering.h>
#include <cr/text.h>

namespace {

volatile sig_atomic_t gStop = 0;
void onSignal(int) { gStop = 1; }

int64_t monotonicMs() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}
int64_t realtimeMs() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

void emit(const char* event, const char* detail) {
  char buf[1024];
  cr::Writer w(buf, sizeof buf);
  w.raw("{\"t\":").integer(realtimeMs()).raw(",\"event\":").quoted(event).raw(",\"detail\":").quoted(detail).ch('}');
  std::printf("%s\n", buf);
  std::fflush(stdout);
}

class LinuxHal final : public cr::Hal {
 public:
  int64_t bootMono = monotonicMs();
  int64_t sntpDelayMs = 0;
  bool relay = false;
  mosquitto* mosq = nullptr;
  bool connected = false;

  int64_t monoMs() override { return monotonicMs() - bootMono; }
  bool wallMs(int64_t* ms) override {
    *ms = realtimeMs();
    return monoMs() >= sntpDelayMs;
  }
  void setRelay(bool on) override { relay = on; }
  bool publish(const char* topic, const char* payload, size_t len, bool retain, int* msgId) override {
    if (!connected) return false;
    return mosquitto_publish(mosq, msgId, topic, static_cast<int>(len), payload, 1, retain) == MOSQ_ERR_SUCCESS;
  }
  void log(const char* event, const char* detail) override { emit(event, detail); }
};

struct App {
  LinuxHal hal;
  cr::Device* device = nullptr;
  std::string commandTopic;
  uint32_t replayFrom = 0;
  int64_t replayStartMono = -1;
};

void onConnect(mosquitto* m, void* obj, int rc) {
  App* app = static_cast<App*>(obj);
  if (rc != 0) {
    emit("connect_refused", mosquitto_connack_string(rc));
    return;
  }
  app->hal.connected = true;
  mosquitto_subscribe(m, nullptr, app->device->commandTopic(), 1);
  app->replayFrom = app->device->buffered();
  app->replayStartMono = app->hal.monoMs();
  app->device->onConnected();
}

void onDisconnect(mosquitto*, void* obj, int) {
  App* app = static_cast<App*>(obj);
  app->hal.connected = false;
  app->device->onDisconnected();
}

void onPublish(mosquitto*, void* obj, int mid) { static_cast<App*>(obj)->device->onPublished(mid); }

void onMessage(mosquitto*, void* obj, const mosquitto_message* msg) {
  App* app = static_cast<App*>(obj);
  app->device->onMessage(msg->topic, std::strlen(msg->topic), static_cast<const char*>(msg->payload),
                         static_cast<size_t>(msg->payloadlen));
}

bool parseBroker(const char* url, std::string* host, int* port, bool* tls) {
  std::string u(url);
  *tls = u.rfind("mqtts://", 0) == 0;
  const size_t start = u.find("://");
  if (start == std::string::npos) return false;
  std::string rest = u.substr(start + 3);
  const size_t colon = rest.rfind(':');
  *port = *tls ? 8883 : 1883;
  if (colon != std::string::npos) {
    *port = std::atoi(rest.substr(colon + 1).c_str());
    rest = rest.substr(0, colon);
  }
  *host = rest;
  return !host->empty() && *port > 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string configPath, dataDir;
  int64_t sntpDelayMs = 0;
  double loadW = 2000, standbyW = 0.8;
  // --burst N: N readings 1 ms apart before connecting (a backlog as after an outage, for the replay benchmark).
  int64_t burst = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--config") configPath = argv[i + 1];
    else if (a == "--data") dataDir = argv[i + 1];
    else if (a == "--sntp-delay-ms") sntpDelayMs = std::atoll(argv[i + 1]);
    else if (a == "--load-w") loadW = std::atof(argv[i + 1]);
    else if (a == "--standby-w") standbyW = std::atof(argv[i + 1]);
    else if (a == "--burst") burst = std::atoll(argv[i + 1]);
  }
  if (configPath.empty() || dataDir.empty()) {
    std::fprintf(stderr, "usage: %s --config FILE --data DIR [--sntp-delay-ms N] [--load-w W] [--standby-w W]\n",
                 argv[0]);
    return 2;
  }
  static cr::DeviceConfig config;
  cr::defaultConfig(&config);
  std::ifstream in(configPath);
  std::string line;
  int lineNo = 0;
  while (std::getline(in, line)) {
    lineNo++;
    char error[200];
    if (!cr::applyConfigLine(&config, line.data(), line.size(), error, sizeof error)) {
      std::fprintf(stderr, "%s:%d: %s\n", configPath.c_str(), lineNo, error);
      return 2;
    }
  }
  char why[200];
  if (!cr::configComplete(config, why, sizeof why)) {
    std::fprintf(stderr, "%s: %s\n", configPath.c_str(), why);
    return 2;
  }
  crlinux::FileFlash ringFlash(dataDir + "/ring.bin", 4096, 64);
  crlinux::FileFlash stateFlash(dataDir + "/state.bin", 4096, 2);
  if (!ringFlash.ok() || !stateFlash.ok()) {
    std::fprintf(stderr, "cannot open flash files in %s\n", dataDir.c_str());
    return 2;
  }
  static App app;
  app.hal.sntpDelayMs = sntpDelayMs;
  static cr::Device device(app.hal, ringFlash, stateFlash, config);
  app.device = &device;
  if (!device.begin()) return 1;

  for (int64_t i = 0; i < burst; i++) {
    cr::Reading r;
    r.set(cr::Field::powerW, static_cast<double>(i % 3000));
    device.addReading(config.kind, r);
    usleep(1100);
  }
  if (burst > 0) {
    char detail[64];
    cr::Writer w(detail, sizeof detail);
    w.raw("buffered=").integer(device.buffered());
    emit("burst_done", detail);
  }
  signal(SIGTERM, onSignal);
  signal(SIGINT, onSignal);
  mosquitto_lib_init();
  std::string clientId = std::string("cr-") + config.homeId + "-" + config.deviceId;
  mosquitto* m = mosquitto_new(clientId.c_str(), false, &app);
  app.hal.mosq = m;
  mosquitto_connect_callback_set(m, onConnect);
  mosquitto_disconnect_callback_set(m, onDisconnect);
  mosquitto_publish_callback_set(m, onPublish);
  mosquitto_message_callback_set(m, onMessage);
  mosquitto_username_pw_set(m, config.mqttUsername, config.mqttPassword);
  const char* will = cr::Device::lastWill();
  mosquitto_will_set(m, device.statusTopic(), static_cast<int>(std::strlen(will)), will, 1, true);
  std::string host;
  int port = 0;
  bool tls = false;
  if (!parseBroker(config.brokerUrl, &host, &port, &tls)) return 2;
  if (tls) {
    const std::string ca = dataDir + "/ca.pem";
    std::ofstream(ca) << config.caCert;
    mosquitto_tls_set(m, ca.c_str(), nullptr, nullptr, nullptr, nullptr);
  }

  // The simulated appliance behind the relay, measured through a simulated BL0937 (pulses at the load's power).
  cr::PulseMeter meter(config.pulse);
  const double voltageV = 230;
  int64_t nextReading = app.hal.monoMs() + config.readingIntervalMs;
  int64_t lastWindow = app.hal.monoMs();
  double pulseCarry = 0, cf1Carry = 0;
  bool cf1Voltage = true;
  int64_t nextConnect = 0;
  bool wasConnected = false;
  while (!gStop) {
    const int64_t now = app.hal.monoMs();
    if (!app.hal.connected && now >= nextConnect) {
      const int rc = wasConnected ? mosquitto_reconnect(m) : mosquitto_connect(m, host.c_str(), port, 30);
      if (rc == MOSQ_ERR_SUCCESS) wasConnected = true;
      nextConnect = now + 500;
    }
    mosquitto_loop(m, 10, 1);
    device.loop();
    if (app.replayStartMono >= 0 && device.buffered() == 0) {
      char detail[120];
      cr::Writer w(detail, sizeof detail);
      w.raw("records=").integer(app.replayFrom).raw(" ms=").integer(app.hal.monoMs() - app.replayStartMono);
      if (app.replayFrom > 0) emit("replay_done", detail);
      app.replayStartMono = -1;
    }
    if (now >= nextReading) {
      const double powerW = app.hal.relay ? loadW : standbyW;
      const double seconds = (now - lastWindow) / 1000.0;
      const double pulses = powerW / config.pulse.wattsPerHz * seconds + pulseCarry;
      const double cf1 = (cf1Voltage ? voltageV / config.pulse.voltsPerHz : powerW / voltageV / config.pulse.ampsPerHz) *
                             seconds + cf1Carry;
      pulseCarry = pulses - static_cast<uint32_t>(pulses);
      cf1Carry = cf1 - static_cast<uint32_t>(cf1);
      meter.window(static_cast<uint32_t>(pulses), static_cast<uint32_t>(cf1), cf1Voltage,
                   static_cast<uint32_t>((now - lastWindow) * 1000));
      cf1Voltage = !cf1Voltage;
      lastWindow = now;
      cr::Reading r;
      r.set(cr::Field::powerW, std::round(meter.powerW() * 10) / 10)
          .set(cr::Field::energyWh, std::round((device.energyBaseWh() + meter.energyWh()) * 1000) / 1000);
      if (meter.voltageV() > 0) r.set(cr::Field::voltageV, std::round(meter.voltageV() * 10) / 10);
      if (meter.currentA() > 0) r.set(cr::Field::currentA, std::round(meter.currentA() * 1000) / 1000);
      device.addReading(config.kind, r);
      nextReading += config.readingIntervalMs;
    }
    pollfd p{STDIN_FILENO, POLLIN, 0};
    if (poll(&p, 1, 0) > 0 && (p.revents & POLLIN)) {
      char buf[64];
      if (!fgets(buf, sizeof buf, stdin)) {
        clearerr(stdin);
      } else if (std::strncmp(buf, "button", 6) == 0) {
        device.buttonPressed();
      } else if (std::strncmp(buf, "quit", 4) == 0) {
        gStop = 1;
      }
    }
  }
  // A clean stop says offline itself (the broker sends the last will only when the connection drops).
  if (app.hal.connected) {
    char status[64];
    cr::Writer w(status, sizeof status);
    int64_t wall = 0;
    const bool synced = app.hal.wallMs(&wall);
    cr::encodeStatus(false, synced, wall, w);
    int mid = 0;
    mosquitto_publish(m, &mid, device.statusTopic(), static_cast<int>(w.size()), w.c_str(), 1, true);
    for (int i = 0; i < 50; i++) mosquitto_loop(m, 20, 1);
  }
  const cr::DeviceCounters& c = device.counters();
  char stats[256];
  cr::Writer sw(stats, sizeof stats);
  sw.raw("readingsStored=").integer(static_cast<int64_t>(c.readingsStored)).raw(" readingsPublished=");
  sw.integer(static_cast<int64_t>(c.readingsPublished)).raw(" messages=").integer(static_cast<int64_t>(c.messagesPublished));
  sw.raw(" acks=").integer(static_cast<int64_t>(c.acksPublished)).raw(" duplicates=");
  sw.integer(static_cast<int64_t>(c.duplicateCommands)).raw(" buffered=").integer(device.buffered());
  emit("stopping", stats);
  mosquitto_disconnect(m);
  mosquitto_destroy(m);
  mosquitto_lib_cleanup();
  return 0;
}
