package org.carbonreducer.keycloak.sms;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The HTTP gateways against a real local HTTP server that answers as the providers document. */
class SmsGatewaysTest {
  private record Recorded(String method, String path, String authorization, String contentType, String body) {}

  private HttpServer server;
  private final List<Recorded> requests = new ArrayList<>();
  private volatile int status = 201;
  private volatile String answer = "{}";
  private volatile long delayMillis = 0;

  @BeforeEach
  void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/",
        exchange -> {
          String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
          synchronized (requests) {
            requests.add(
                new Recorded(
                    exchange.getRequestMethod(),
                    exchange.getRequestURI().getPath(),
                    exchange.getRequestHeaders().getFirst("Authorization"),
                    exchange.getRequestHeaders().getFirst("Content-Type"),
                    body));
          }
          try {
            if (delayMillis > 0) Thread.sleep(delayMillis);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          byte[] bytes = answer.getBytes(StandardCharsets.UTF_8);
          exchange.getResponseHeaders().add("Content-Type", "application/json");
          exchange.sendResponseHeaders(status, bytes.length);
          exchange.getResponseBody().write(bytes);
          exchange.close();
        });
    server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
    server.start();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  private URI base() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  private TwilioSmsGateway twilio(Duration timeout) {
    return new TwilioSmsGateway(base(), "AC0123", "token-xyz", "+15005550006", null, timeout);
  }

  private static Map<String, String> form(String body) {
    Map<String, String> fields = new HashMap<>();
    for (String pair : body.split("&")) {
      String[] kv = pair.split("=", 2);
      fields.put(URLDecoder.decode(kv[0], StandardCharsets.UTF_8), URLDecoder.decode(kv[1], StandardCharsets.UTF_8));
    }
    return fields;
  }

  @Test
  void twilioPostsTheMessagesApiFormWithBasicAuth() throws Exception {
    answer = "{\"sid\":\"SM5f2a\",\"status\":\"queued\"}";
    assertEquals("SM5f2a", twilio(Duration.ofSeconds(5)).send("+447700900123", "code: 123456"));
    Recorded request = requests.get(0);
    assertEquals("POST", request.method());
    assertEquals("/2010-04-01/Accounts/AC0123/Messages.json", request.path());
    assertEquals(
        "Basic " + Base64.getEncoder().encodeToString("AC0123:token-xyz".getBytes(StandardCharsets.UTF_8)),
        request.authorization());
    assertEquals("application/x-www-form-urlencoded", request.contentType());
    assertEquals(Map.of("To", "+447700900123", "From", "+15005550006", "Body", "code: 123456"), form(request.body()));
  }

  @Test
  void twilioCanSendThroughAMessagingService() throws Exception {
    answer = "{\"sid\":\"SM1\"}";
    new TwilioSmsGateway(base(), "AC0123", "t", null, "MG42", Duration.ofSeconds(5)).send("+447700900123", "x");
    assertEquals("MG42", form(requests.get(0).body()).get("MessagingServiceSid"));
  }

  @Test
  void twilioErrorsMapToReasonsWithTheirMessage() {
    status = 400;
    answer = "{\"code\":21211,\"message\":\"The 'To' number +4477 is not a valid phone number.\",\"status\":400}";
    SmsException rejected = assertThrows(SmsException.class, () -> twilio(Duration.ofSeconds(5)).send("+4477", "x"));
    assertEquals(SmsException.Reason.REJECTED, rejected.reason());
    assertTrue(rejected.getMessage().contains("error 21211 The 'To' number"), rejected.getMessage());

    status = 401;
    answer = "{\"code\":20003,\"message\":\"Authenticate\",\"status\":401}";
    assertEquals(
        SmsException.Reason.MISCONFIGURED,
        assertThrows(SmsException.class, () -> twilio(Duration.ofSeconds(5)).send("+447700900123", "x")).reason());

    status = 503;
    answer = "";
    assertEquals(
        SmsException.Reason.UNAVAILABLE,
        assertThrows(SmsException.class, () -> twilio(Duration.ofSeconds(5)).send("+447700900123", "x")).reason());
  }

  @Test
  void aSlowGatewayIsATimeout() {
    delayMillis = 1_500;
    SmsException e = assertThrows(SmsException.class, () -> twilio(Duration.ofMillis(300)).send("+447700900123", "x"));
    assertEquals(SmsException.Reason.TIMEOUT, e.reason());
  }

  @Test
  void anUnreachableGatewayIsUnavailable() throws Exception {
    URI closed = base();
    server.stop(0);
    SmsException e =
        assertThrows(
            SmsException.class,
            () -> new MessageBirdSmsGateway(closed, "k", "CarbonRed", Duration.ofSeconds(2)).send("+447700900123", "x"));
    assertEquals(SmsException.Reason.UNAVAILABLE, e.reason());
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.start();
  }

  @Test
  void messageBirdPostsJsonWithAnAccessKeyAndMsisdnRecipients() throws Exception {
    answer = "{\"id\":\"e8077d803532c0b5937c639b60216938\",\"recipients\":{\"totalCount\":1,\"totalSentCount\":1}}";
    String id =
        new MessageBirdSmsGateway(base(), "live_abc", "CarbonRed", Duration.ofSeconds(5)).send("+31612345678", "code: 9");
    assertEquals("e8077d803532c0b5937c639b60216938", id);
    Recorded request = requests.get(0);
    assertEquals("/messages", request.path());
    assertEquals("AccessKey live_abc", request.authorization());
    assertEquals("application/json", request.contentType());
    JsonNode body = new ObjectMapper().readTree(request.body());
    assertEquals("CarbonRed", body.path("originator").asText());
    assertEquals("31612345678", body.path("recipients").path(0).asText());
    assertEquals("code: 9", body.path("body").asText());
  }

  @Test
  void messageBirdErrorsCarryTheirDescription() {
    status = 422;
    answer = "{\"errors\":[{\"code\":9,\"description\":\"no (correct) recipients found\",\"parameter\":\"recipients\"}]}";
    SmsException e =
        assertThrows(
            SmsException.class,
            () -> new MessageBirdSmsGateway(base(), "k", "CarbonRed", Duration.ofSeconds(5)).send("+31612345678", "x"));
    assertEquals(SmsException.Reason.REJECTED, e.reason());
    assertTrue(e.getMessage().contains("error 9 no (correct) recipients found"), e.getMessage());
  }

  @Test
  void theFactoryPicksTheConfiguredGatewayWithCredentialsFromTheEnvironment() throws Exception {
    SmsOtpConfig twilioConfig = SmsOtpConfig.fromMap(Map.of("gateway", "twilio"));
    Map<String, String> env =
        Map.of("TWILIO_ACCOUNT_SID", "AC1", "TWILIO_AUTH_TOKEN", "t", "TWILIO_FROM", "+15005550006");
    assertInstanceOf(TwilioSmsGateway.class, SmsGateways.create(twilioConfig, env));
    assertInstanceOf(LogSmsGateway.class, SmsGateways.create(SmsOtpConfig.defaults(), Map.of()));
    SmsException missing =
        assertThrows(
            SmsException.class,
            () -> SmsGateways.create(SmsOtpConfig.fromMap(Map.of("gateway", "messagebird")), Map.of("MESSAGEBIRD_ACCESS_KEY", "k")));
    assertEquals(SmsException.Reason.MISCONFIGURED, missing.reason());
    assertTrue(missing.getMessage().contains("MESSAGEBIRD_ORIGINATOR is not set"), missing.getMessage());
  }

  @Test
  void theMessageCarriesTheCodeAndItsLifetime() {
    String text = SmsSender.messageText("042137", SmsOtpConfig.defaults());
    assertTrue(text.contains("042137"), text);
    assertTrue(text.contains("5 min"), text);
  }
}
