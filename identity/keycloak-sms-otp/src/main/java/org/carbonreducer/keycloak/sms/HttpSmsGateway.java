package org.carbonreducer.keycloak.sms;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;

/** What the Twilio and MessageBird gateways share: one POST, a timeout, and HTTP statuses mapped to reasons. */
abstract class HttpSmsGateway implements SmsGateway {
  static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient CLIENT =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).followRedirects(HttpClient.Redirect.NEVER).build();

  private final Duration timeout;

  HttpSmsGateway(Duration timeout) {
    this.timeout = timeout;
  }

  /** Sends the request; returns the parsed JSON body of a 2xx answer, else throws with the mapped reason. */
  JsonNode post(URI uri, String contentType, String authorization, String body) throws SmsException {
    HttpRequest request =
        HttpRequest.newBuilder(uri)
            .timeout(timeout)
            .header("Content-Type", contentType)
            .header("Accept", "application/json")
            .header("Authorization", authorization)
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build();
    HttpResponse<String> response;
    try {
      response = CLIENT.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (HttpTimeoutException e) {
      throw new SmsException(SmsException.Reason.TIMEOUT, name() + ": no answer within " + timeout.toMillis() + " ms", e);
    } catch (IOException e) {
      throw new SmsException(SmsException.Reason.UNAVAILABLE, name() + ": cannot reach " + uri.getHost(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SmsException(SmsException.Reason.UNAVAILABLE, name() + ": interrupted", e);
    }
    int status = response.statusCode();
    JsonNode json = parse(response.body());
    if (status >= 200 && status < 300) return json;
    String detail = errorDetail(json);
    SmsException.Reason reason =
        status == 401 || status == 403
            ? SmsException.Reason.MISCONFIGURED
            : status == 429 || status >= 500 ? SmsException.Reason.UNAVAILABLE : SmsException.Reason.REJECTED;
    throw new SmsException(reason, name() + ": HTTP " + status + (detail.isEmpty() ? "" : ": " + detail));
  }

  /** The gateway's own error text from an error body ("" when none). */
  abstract String errorDetail(JsonNode body);

  private static JsonNode parse(String body) {
    try {
      return body == null || body.isBlank() ? JSON.createObjectNode() : JSON.readTree(body);
    } catch (IOException e) {
      return JSON.createObjectNode();
    }
  }
}
