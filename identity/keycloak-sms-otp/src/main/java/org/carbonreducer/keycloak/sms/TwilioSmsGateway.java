package org.carbonreducer.keycloak.sms;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;

/**
 * Twilio Programmable Messaging: {@code POST /2010-04-01/Accounts/{AccountSid}/Messages.json}, form-encoded
 * {@code To}, {@code From} (or {@code MessagingServiceSid}) and {@code Body}, HTTP Basic auth with the account SID
 * and auth token. A 201 answer carries the message {@code sid}; errors carry {@code code} and {@code message}.
 */
public final class TwilioSmsGateway extends HttpSmsGateway {
  private final URI baseUrl;
  private final String accountSid;
  private final String authToken;
  private final String from;
  private final String messagingServiceSid;

  /**
   * @param from sender number (E.164) or alphanumeric sender id; null when {@code messagingServiceSid} is used
   * @param messagingServiceSid Twilio Messaging Service (MG...) that picks the sender; null to send {@code from}
   */
  public TwilioSmsGateway(
      URI baseUrl, String accountSid, String authToken, String from, String messagingServiceSid, Duration timeout) {
    super(timeout);
    this.baseUrl = baseUrl;
    this.accountSid = accountSid;
    this.authToken = authToken;
    this.from = from;
    this.messagingServiceSid = messagingServiceSid;
  }

  @Override
  public String send(String phoneE164, String text) throws SmsException {
    String sender =
        messagingServiceSid != null && !messagingServiceSid.isBlank()
            ? "MessagingServiceSid=" + enc(messagingServiceSid)
            : "From=" + enc(from);
    String form = "To=" + enc(phoneE164) + "&" + sender + "&Body=" + enc(text);
    URI uri = baseUrl.resolve("/2010-04-01/Accounts/" + enc(accountSid) + "/Messages.json");
    String basic =
        Base64.getEncoder().encodeToString((accountSid + ":" + authToken).getBytes(StandardCharsets.UTF_8));
    JsonNode answer = post(uri, "application/x-www-form-urlencoded", "Basic " + basic, form);
    return answer.path("sid").asText("");
  }

  @Override
  public String name() {
    return "twilio";
  }

  @Override
  String errorDetail(JsonNode body) {
    String code = body.path("code").asText("");
    String message = body.path("message").asText("");
    return (code.isEmpty() ? "" : "error " + code + " ") + message;
  }

  private static String enc(String value) {
    return URLEncoder.encode(value == null ? "" : value, StandardCharsets.UTF_8);
  }
}
