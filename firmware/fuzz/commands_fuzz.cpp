// libFuzzer target over everything the device parses from the network: commands (with the refusal path), acks,
// events, notifications and the telemetry validator. Run: firmware/scripts/test.sh (bounded time, no crash allowed).
#include <cr/commands.h>
#include <cr/validate.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace {
cr::JsonToken gPool[4096];
cr::ValidationResult gResult;
cr::ParsedCommand gCommand;
cr::ParsedAck gAck;
cr::ParsedEvent gEvent;
cr::ParsedNotification gNotification;
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const char* text = reinterpret_cast<const char*>(data);
  cr::parseCommand(text, size, "home-7", "dishwasher", &gCommand);
  if (gCommand.error.failed) {
    // The refusal must encode into an ack that the contract's parser accepts.
    char buf[1024];
    cr::Writer w(buf, sizeof buf);
    cr::encodeAck(gCommand.hasKey ? gCommand.key : nullptr, false, true, 1796261400000LL, &gCommand.error.reason,
                  gCommand.error.message, w);
    cr::parseAck(buf, w.size(), &gAck);
    if (!w.ok() || gAck.error.failed) __builtin_trap();
  } else if (std::strcmp(gCommand.homeId, "home-7") != 0 || std::strcmp(gCommand.deviceId, "dishwasher") != 0) {
    __builtin_trap();  // accepted a command for someone else
  }
  cr::parseAck(text, size, &gAck);
  cr::parseEvent(text, size, &gEvent);
  cr::parseNotification(text, size, &gNotification);
  const char topic[] = "carbonreducer/home-7/telemetry/plug/kettle";
  cr::validateMessage(topic, sizeof topic - 1, text, size, 1796261400000LL, gPool, 4096, &gResult);
  return 0;
}
