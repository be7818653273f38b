package org.carbonreducer.keycloak.sms;

import java.net.URI;
import java.util.Locale;
import java.util.Map;

/**
 * Settings of the SMS one-time code, read from the authenticator's config (Keycloak admin: the execution's
 * config, alias {@value #ALIAS}); the phone-number required action reads the same config by that alias.
 *
 * @param codeLength digits in a code (4-10)
 * @param ttlSeconds how long a code is accepted after it was sent
 * @param maxAttempts wrong entries allowed for one code; after that a new code must be sent
 * @param resendCooldownSeconds the shortest time between two codes sent to the same login
 * @param gateway which SMS gateway delivers the code
 * @param twilioBaseUrl Twilio API base URL (tests point it at a local server speaking the Messages API)
 * @param messageBirdBaseUrl MessageBird REST base URL (likewise)
 * @param timeoutMillis connect plus response timeout of one gateway request
 */
public record SmsOtpConfig(
    int codeLength,
    int ttlSeconds,
    int maxAttempts,
    int resendCooldownSeconds,
    Gateway gateway,
    URI twilioBaseUrl,
    URI messageBirdBaseUrl,
    int timeoutMillis) {

  /** Alias of the authenticator config shared by the authenticator and the required action. */
  public static final String ALIAS = "sms-otp";

  public static final String CODE_LENGTH = "codeLength";
  public static final String TTL_SECONDS = "ttlSeconds";
  public static final String MAX_ATTEMPTS = "maxAttempts";
  public static final String RESEND_COOLDOWN_SECONDS = "resendCooldownSeconds";
  public static final String GATEWAY = "gateway";
  public static final String TWILIO_BASE_URL = "twilioBaseUrl";
  public static final String MESSAGEBIRD_BASE_URL = "messageBirdBaseUrl";
  public static final String TIMEOUT_MILLIS = "timeoutMillis";

  public static final URI TWILIO_DEFAULT_BASE_URL = URI.create("https://api.twilio.com");
  public static final URI MESSAGEBIRD_DEFAULT_BASE_URL = URI.create("https://rest.messagebird.com");

  /** The gateways a config can name. */
  public enum Gateway {
    TWILIO,
    MESSAGEBIRD,
    /** Development only: the message goes to the Keycloak log instead of a phone. */
    LOG;

    static Gateway parse(String value) {
      try {
        return Gateway.valueOf(value.trim().toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(GATEWAY + " must be twilio, messagebird or log, got '" + value + "'", e);
      }
    }
  }

  public SmsOtpConfig {
    requireRange(CODE_LENGTH, codeLength, 4, 10);
    requireRange(TTL_SECONDS, ttlSeconds, 10, 3600);
    requireRange(MAX_ATTEMPTS, maxAttempts, 1, 10);
    requireRange(RESEND_COOLDOWN_SECONDS, resendCooldownSeconds, 0, 3600);
    requireRange(TIMEOUT_MILLIS, timeoutMillis, 100, 60_000);
    if (gateway == null) throw new IllegalArgumentException(GATEWAY + " is required");
    requireHttp(TWILIO_BASE_URL, twilioBaseUrl);
    requireHttp(MESSAGEBIRD_BASE_URL, messageBirdBaseUrl);
  }

  /** The defaults: 6 digits, 5 minutes, 3 attempts, 30 s between codes, log gateway, 10 s timeout. */
  public static SmsOtpConfig defaults() {
    return new SmsOtpConfig(6, 300, 3, 30, Gateway.LOG, TWILIO_DEFAULT_BASE_URL, MESSAGEBIRD_DEFAULT_BASE_URL, 10_000);
  }

  /**
   * Reads a Keycloak authenticator config map; missing or blank keys take the defaults.
   *
   * @throws IllegalArgumentException naming the key and the value that is wrong
   */
  public static SmsOtpConfig fromMap(Map<String, String> config) {
    SmsOtpConfig d = defaults();
    if (config == null) return d;
    return new SmsOtpConfig(
        intOr(config, CODE_LENGTH, d.codeLength()),
        intOr(config, TTL_SECONDS, d.ttlSeconds()),
        intOr(config, MAX_ATTEMPTS, d.maxAttempts()),
        intOr(config, RESEND_COOLDOWN_SECONDS, d.resendCooldownSeconds()),
        blank(config.get(GATEWAY)) ? d.gateway() : Gateway.parse(config.get(GATEWAY)),
        uriOr(config, TWILIO_BASE_URL, d.twilioBaseUrl()),
        uriOr(config, MESSAGEBIRD_BASE_URL, d.messageBirdBaseUrl()),
        intOr(config, TIMEOUT_MILLIS, d.timeoutMillis()));
  }

  private static boolean blank(String value) {
    return value == null || value.isBlank();
  }

  private static int intOr(Map<String, String> config, String key, int fallback) {
    String value = config.get(key);
    if (blank(value)) return fallback;
    try {
      return Integer.parseInt(value.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(key + " must be a whole number, got '" + value + "'", e);
    }
  }

  private static URI uriOr(Map<String, String> config, String key, URI fallback) {
    String value = config.get(key);
    if (blank(value)) return fallback;
    try {
      return URI.create(value.trim());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(key + " must be a URL, got '" + value + "'", e);
    }
  }

  private static void requireRange(String key, int value, int min, int max) {
    if (value < min || value > max) {
      throw new IllegalArgumentException(key + " must be between " + min + " and " + max + ", got " + value);
    }
  }

  private static void requireHttp(String key, URI uri) {
    if (uri == null || uri.getHost() == null || !("https".equals(uri.getScheme()) || "http".equals(uri.getScheme()))) {
      throw new IllegalArgumentException(key + " must be an http(s) URL with a host, got '" + uri + "'");
    }
  }
}
