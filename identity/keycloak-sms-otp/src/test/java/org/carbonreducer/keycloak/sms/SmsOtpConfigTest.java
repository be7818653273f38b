package org.carbonreducer.keycloak.sms;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SmsOtpConfigTest {
  @Test
  void missingKeysTakeTheDefaults() {
    assertEquals(SmsOtpConfig.defaults(), SmsOtpConfig.fromMap(null));
    assertEquals(SmsOtpConfig.defaults(), SmsOtpConfig.fromMap(Map.of("codeLength", " ")));
  }

  @Test
  void readsEveryKey() {
    SmsOtpConfig config =
        SmsOtpConfig.fromMap(
            Map.of(
                "codeLength", "8",
                "ttlSeconds", "120",
                "maxAttempts", "5",
                "resendCooldownSeconds", "0",
                "gateway", "MessageBird",
                "twilioBaseUrl", "http://127.0.0.1:4010",
                "messageBirdBaseUrl", "http://127.0.0.1:4011",
                "timeoutMillis", "2000"));
    assertEquals(8, config.codeLength());
    assertEquals(120, config.ttlSeconds());
    assertEquals(5, config.maxAttempts());
    assertEquals(0, config.resendCooldownSeconds());
    assertEquals(SmsOtpConfig.Gateway.MESSAGEBIRD, config.gateway());
    assertEquals(URI.create("http://127.0.0.1:4010"), config.twilioBaseUrl());
    assertEquals(URI.create("http://127.0.0.1:4011"), config.messageBirdBaseUrl());
    assertEquals(2000, config.timeoutMillis());
  }

  @Test
  void badValuesAreRefusedNamingTheKey() {
    assertMessage("codeLength must be between 4 and 10, got 3", Map.of("codeLength", "3"));
    assertMessage("codeLength must be a whole number, got 'six'", Map.of("codeLength", "six"));
    assertMessage("maxAttempts must be between 1 and 10, got 0", Map.of("maxAttempts", "0"));
    assertMessage("gateway must be twilio, messagebird or log, got 'sms77'", Map.of("gateway", "sms77"));
    assertMessage("twilioBaseUrl must be an http(s) URL with a host, got 'ftp://x'", Map.of("twilioBaseUrl", "ftp://x"));
  }

  private static void assertMessage(String expected, Map<String, String> config) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SmsOtpConfig.fromMap(config));
    assertTrue(e.getMessage().contains(expected), e.getMessage());
  }
}
