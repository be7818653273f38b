// ESP32 entry point (ESP-IDF 5): Wi-Fi, SNTP, MQTT (esp-mqtt, TLS with the provisioned CA), flash partitions,
// relay, button, BL0937 pulses / CT clamp ADC / DS18B20, and the serial provisioning console. MQTT callbacks run in
// the MQTT task and only queue events; the core runs in app_main's loop, single-threaded.
#include <sys/time.h>

#include <atomic>
#include <cstdio>
#include <cstring>

#include "board.h"
#include <cr/commands.h>
#include <cr/config.h>
#include <cr/metering.h>

#include "driver/adc.h"
#include "driver/gpio.h"
#include "esp_event.h"
#include "esp_log.h"
#include "esp_netif.h"
#include "esp_rom_sys.h"
#include "esp_sntp.h"
#include "esp_timer.h"
#include "esp_wifi.h"
#include "freertos/FreeRTOS.h"
#include "freertos/queue.h"
#include "freertos/task.h"
#include "mqtt_client.h"
#include "nvs_flash.h"

namespace {

const char* kTag = "carbonreducer";
const crboard::Pins kPins;

std::atomic<uint32_t> gCfPulses{0};
std::atomic<uint32_t> gCf1Pulses{0};
std::atomic<bool> gButton{false};
std::atomic<bool> gSynced{false};

void IRAM_ATTR onCf(void*) { gCfPulses.fetch_add(1, std::memory_order_relaxed); }
void IRAM_ATTR onCf1(void*) { gCf1Pulses.fetch_add(1, std::memory_order_relaxed); }
void IRAM_ATTR onButton(void*) { gButton.store(true, std::memory_order_relaxed); }
void onTimeSync(struct timeval*) { gSynced.store(true); }

/** What the MQTT task hands to the main loop (commands are ≤ 1 KiB; a longer one arrives cut to 1025 bytes). */
struct MqttEvent {
  enum Kind : uint8_t { Connected, Disconnected, Published, Data } kind;
  int msgId;
  uint16_t topicLen, dataLen;
  char topic[160];
  char data[cr::kMaxCommandBytes + 1];
};
QueueHandle_t gEvents;
MqttEvent gIncoming;  // the MQTT task's assembly buffer
MqttEvent gOutgoing;  // the main loop's copy

void onMqtt(void*, esp_event_base_t, int32_t id, void* data) {
  auto* e = static_cast<esp_mqtt_event_handle_t>(data);
  switch (static_cast<esp_mqtt_event_id_t>(id)) {
    case MQTT_EVENT_CONNECTED: gIncoming.kind = MqttEvent::Connected; break;
    case MQTT_EVENT_DISCONNECTED: gIncoming.kind = MqttEvent::Disconnected; break;
    case MQTT_EVENT_PUBLISHED:
      gIncoming.kind = MqttEvent::Published;
      gIncoming.msgId = e->msg_id;
      break;
    case MQTT_EVENT_DATA: {
      // esp-mqtt splits long messages; keep the first 1025 bytes so an oversized command is refused by its size.
      if (e->current_data_offset == 0) {
        gIncoming.topicLen = static_cast<uint16_t>(e->topic_len < 159 ? e->topic_len : 159);
        std::memcpy(gIncoming.topic, e->topic, gIncoming.topicLen);
        gIncoming.dataLen = 0;
      }
      const int room = static_cast<int>(sizeof gIncoming.data) - gIncoming.dataLen;
      const int n = e->data_len < room ? e->data_len : room;
      if (n > 0) std::memcpy(gIncoming.data + gIncoming.dataLen, e->data, static_cast<size_t>(n));
      gIncoming.dataLen = static_cast<uint16_t>(gIncoming.dataLen + (n > 0 ? n : 0));
      if (e->current_data_offset + e->data_len < e->total_data_len) return;
      gIncoming.kind = MqttEvent::Data;
      break;
    }
    default: return;
  }
  xQueueSend(gEvents, &gIncoming, portMAX_DELAY);
}

void onWifi(void*, esp_event_base_t, int32_t id, void*) {
  if (id == WIFI_EVENT_STA_START || id == WIFI_EVENT_STA_DISCONNECTED) esp_wifi_connect();
}

class EspHal final : public cr::Hal {
 public:
  esp_mqtt_client_handle_t mqtt = nullptr;
  bool connected = false;
  int64_t monoMs() override { return esp_timer_get_time() / 1000; }
  bool wallMs(int64_t* ms) override {
    timeval tv{};
    gettimeofday(&tv, nullptr);
    *ms = static_cast<int64_t>(tv.tv_sec) * 1000 + tv.tv_usec / 1000;
    return gSynced.load() || sntp_get_sync_status() == SNTP_SYNC_STATUS_COMPLETED;
  }
  void setRelay(bool on) override { gpio_set_level(kPins.relay, on ? 1 : 0); }
  bool publish(const char* topic, const char* payload, size_t len, bool retain, int* msgId) override {
    if (!connected) return false;
    *msgId = esp_mqtt_client_publish(mqtt, topic, payload, static_cast<int>(len), 1, retain ? 1 : 0);
    return *msgId >= 0;
  }
  void log(const char* event, const char* detail) override { ESP_LOGI(kTag, "%s %s", event, detail); }
};

cr::DeviceConfig gConfig;
EspHal gHal;

/** Serial console: `key=value` lines edit the configuration, `commit` stores it, `show` prints the ids. */
void provision(crboard::PartitionFlash& configFlash) {
  cr::BlobStore store(configFlash, 0);
  char line[512];
  std::printf("provisioning: key=value lines, then commit\n");
  for (;;) {
    if (std::fgets(line, sizeof line, stdin) == nullptr) {
      vTaskDelay(pdMS_TO_TICKS(100));
      continue;
    }
    char error[160];
    if (std::strncmp(line, "commit", 6) == 0) {
      if (!cr::configComplete(gConfig, error, sizeof error)) {
        std::printf("incomplete: %s\n", error);
        continue;
      }
      store.save(&gConfig, sizeof gConfig);
      std::printf("stored\n");
      return;
    }
    if (std::strncmp(line, "show", 4) == 0) {
      std::printf("home=%s device=%s broker=%s user=%s\n", gConfig.homeId, gConfig.deviceId, gConfig.brokerUrl,
                  gConfig.mqttUsername);
      continue;
    }
    if (!cr::applyConfigLine(&gConfig, line, std::strlen(line), error, sizeof error)) std::printf("error: %s\n", error);
  }
}

void startWifi() {
  esp_netif_init();
  esp_event_loop_create_default();
  esp_netif_create_default_wifi_sta();
  wifi_init_config_t init = WIFI_INIT_CONFIG_DEFAULT();
  esp_wifi_init(&init);
  esp_event_handler_register(WIFI_EVENT, ESP_EVENT_ANY_ID, onWifi, nullptr);
  wifi_config_t wifi{};
  // ESP-IDF's fields hold up to 32 / 64 bytes without a terminator; `wifi` is zeroed, so shorter ones end in NUL.
  std::memcpy(wifi.sta.ssid, gConfig.wifiSsid, strnlen(gConfig.wifiSsid, sizeof wifi.sta.ssid));
  std::memcpy(wifi.sta.password, gConfig.wifiPassword, strnlen(gConfig.wifiPassword, sizeof wifi.sta.password));
  esp_wifi_set_mode(WIFI_MODE_STA);
  esp_wifi_set_config(WIFI_IF_STA, &wifi);
  esp_wifi_start();
}

void startMqtt(cr::Device& device) {
  static char clientId[140];
  std::snprintf(clientId, sizeof clientId, "cr-%s-%s", gConfig.homeId, gConfig.deviceId);
  esp_mqtt_client_config_t cfg{};
  cfg.broker.address.uri = gConfig.brokerUrl;
  if (gConfig.caCert[0] != '\0') cfg.broker.verification.certificate = gConfig.caCert;
  cfg.credentials.username = gConfig.mqttUsername;
  cfg.credentials.authentication.password = gConfig.mqttPassword;
  cfg.credentials.client_id = clientId;
  cfg.session.last_will.topic = device.statusTopic();
  cfg.session.last_will.msg = cr::Device::lastWill();
  cfg.session.last_will.msg_len = static_cast<int>(std::strlen(cr::Device::lastWill()));
  cfg.session.last_will.qos = 1;
  cfg.session.last_will.retain = 1;
  cfg.session.disable_clean_session = true;  // persistent session: commands queued while away
  cfg.session.keepalive = 30;
  gHal.mqtt = esp_mqtt_client_init(&cfg);
  esp_mqtt_client_register_event(gHal.mqtt, MQTT_EVENT_ANY, onMqtt, nullptr);
  esp_mqtt_client_start(gHal.mqtt);
}

void startMetering() {
  gpio_reset_pin(kPins.relay);
  gpio_set_direction(kPins.relay, GPIO_MODE_OUTPUT);
  gpio_install_isr_service(0);
  const struct {
    int pin;
    gpio_isr_t isr;
    gpio_int_type_t edge;
  } inputs[] = {{kPins.cf, onCf, GPIO_INTR_POSEDGE},
                {kPins.cf1, onCf1, GPIO_INTR_POSEDGE},
                {kPins.button, onButton, GPIO_INTR_NEGEDGE}};
  for (const auto& in : inputs) {
    gpio_set_direction(in.pin, GPIO_MODE_INPUT);
    gpio_set_pull_mode(in.pin, GPIO_PULLUP_ONLY);
    gpio_set_intr_type(in.pin, in.edge);
    gpio_isr_handler_add(in.pin, in.isr, nullptr);
  }
  gpio_set_direction(kPins.sel, GPIO_MODE_OUTPUT);
  adc1_config_width(ADC_WIDTH_BIT_12);
  adc1_config_channel_atten(static_cast<adc1_channel_t>(kPins.ctAdcChannel), ADC_ATTEN_DB_11);
}

}  // namespace

extern "C" void app_main(void) {
  if (nvs_flash_init() != ESP_OK) {
    nvs_flash_erase();
    nvs_flash_init();
  }
  static crboard::PartitionFlash ringFlash("crring");
  static crboard::PartitionFlash stateFlash("crstate");
  static crboard::PartitionFlash configFlash("crconfig");
  cr::defaultConfig(&gConfig);
  cr::BlobStore configStore(configFlash, 0);
  char why[160];
  if (!configStore.load(&gConfig, sizeof gConfig) || !cr::configComplete(gConfig, why, sizeof why)) provision(configFlash);

  gEvents = xQueueCreate(8, sizeof(MqttEvent));
  startMetering();
  static cr::Device device(gHal, ringFlash, stateFlash, gConfig);
  device.begin();
  startWifi();
  esp_sntp_setoperatingmode(ESP_SNTP_OPMODE_POLL);
  esp_sntp_setservername(0, "pool.ntp.org");
  sntp_set_time_sync_notification_cb(onTimeSync);
  esp_sntp_init();
  startMqtt(device);

  static cr::PulseMeter pulses(gConfig.pulse);
  static cr::CtClamp clamp(gConfig.ct);
  static cr::EnergyIntegrator clampEnergy(device.energyBaseWh());
  static uint16_t samples[400];
  bool cf1Voltage = true;
  int64_t windowStart = gHal.monoMs();
  int64_t nextReading = windowStart + gConfig.readingIntervalMs;
  for (;;) {
    while (xQueueReceive(gEvents, &gOutgoing, 0) == pdTRUE) {
      switch (gOutgoing.kind) {
        case MqttEvent::Connected:
          gHal.connected = true;
          esp_mqtt_client_subscribe(gHal.mqtt, device.commandTopic(), 1);
          device.onConnected();
          break;
        case MqttEvent::Disconnected:
          gHal.connected = false;
          device.onDisconnected();
          break;
        case MqttEvent::Published: device.onPublished(gOutgoing.msgId); break;
        case MqttEvent::Data: device.onMessage(gOutgoing.topic, gOutgoing.topicLen, gOutgoing.data, gOutgoing.dataLen); break;
      }
    }
    if (gButton.exchange(false)) device.buttonPressed();
    device.loop();
    const int64_t now = gHal.monoMs();
    if (now >= nextReading) {
      cr::Reading r;
      if (gConfig.kind == cr::Kind::plug) {
        pulses.window(gCfPulses.exchange(0), gCf1Pulses.exchange(0), cf1Voltage,
                      static_cast<uint32_t>((now - windowStart) * 1000));
        cf1Voltage = !cf1Voltage;
        gpio_set_level(kPins.sel, cf1Voltage ? 0 : 1);
        r.set(cr::Field::powerW, pulses.powerW()).set(cr::Field::energyWh, device.energyBaseWh() + pulses.energyWh());
        if (pulses.voltageV() > 0) r.set(cr::Field::voltageV, pulses.voltageV());
        if (pulses.currentA() > 0) r.set(cr::Field::currentA, pulses.currentA());
      } else if (gConfig.kind == cr::Kind::meter) {
        // 400 samples over 80 ms: four 50 Hz cycles.
        for (uint16_t& s : samples) {
          s = static_cast<uint16_t>(adc1_get_raw(static_cast<adc1_channel_t>(kPins.ctAdcChannel)));
          esp_rom_delay_us(200);
        }
        clamp.window(samples, 400);
        clampEnergy.sample(clamp.powerW(), now);
        r.set(cr::Field::powerW, clamp.powerW()).set(cr::Field::currentA, clamp.currentA());
        r.set(cr::Field::energyWh, clampEnergy.energyWh());
      } else if (gConfig.kind == cr::Kind::thermometer) {
        uint8_t pad[9];
        double c = 0;
        if (crboard::ds18b20Read(kPins.oneWire, pad) && cr::decodeDs18b20(pad, &c) == cr::Ds18b20Status::ok)
          r.set(cr::Field::temperatureC, c);
      }
      if (r.fieldMask != 0) device.addReading(gConfig.kind, r);
      windowStart = now;
      nextReading += gConfig.readingIntervalMs;
    }
    vTaskDelay(pdMS_TO_TICKS(10));
  }
}
