package org.carbonreducer.keycloak.sms;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.time.Duration;

/**
 * MessageBird SMS Messaging API: {@code POST /messages} with a JSON body {@code originator}, {@code recipients}
 * (MSISDNs: the E.164 number without '+') and {@code body}, header {@code Authorization: AccessKey <key>}. A 201
 * answer carries the message {@code id}; errors carry {@code errors[].code} and {@code errors[].description}.
 */
public final class MessageBirdSmsGateway extends HttpSmsGateway {
  private final URI baseUrl;
  private final String accessKey;
  private final String originator;

  public MessageBirdSmsGateway(URI baseUrl, String accessKey, String originator, Duration timeout) {
    super(timeout);
    this.baseUrl = baseUrl;
    this.accessKey = accessKey;
    this.originator = originator;
  }

  @Override
  public String send(String phoneE164, String text) throws SmsException {
    ObjectNode body = JSON.createObjectNode();
    body.put("originator", originator);
    body.putArray("recipients").add(phoneE164.startsWith("+") ? phoneE164.substring(1) : phoneE164);
    body.put("body", text);
    JsonNode answer =
        post(baseUrl.resolve("/messages"), "application/json", "AccessKey " + accessKey, body.toString());
    return answer.path("id").asText("");
  }

  @Override
  public String name() {
    return "messagebird";
  }

  @Override
  String errorDetail(JsonNode body) {
    JsonNode first = body.path("errors").path(0);
    if (first.isMissingNode()) return "";
    return "error " + first.path("code").asText("?") + " " + first.path("description").asText("");
  }
}
