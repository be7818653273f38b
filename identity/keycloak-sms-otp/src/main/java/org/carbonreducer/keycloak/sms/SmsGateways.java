package org.carbonreducer.keycloak.sms;

import java.time.Duration;
import java.util.Map;

/**
 * Builds the gateway a config names, with credentials from the environment (never from the realm, so an
 * export of the realm holds no secret):
 *
 * <ul>
 *   <li>twilio: {@code TWILIO_ACCOUNT_SID}, {@code TWILIO_AUTH_TOKEN}, and {@code TWILIO_FROM} or {@code
 *       TWILIO_MESSAGING_SERVICE_SID};
 *   <li>messagebird: {@code MESSAGEBIRD_ACCESS_KEY}, {@code MESSAGEBIRD_ORIGINATOR};
 *   <li>log: nothing.
 * </ul>
 */
public final class SmsGateways {
  private SmsGateways() {}

  public static final String TWILIO_ACCOUNT_SID = "TWILIO_ACCOUNT_SID";
  public static final String TWILIO_AUTH_TOKEN = "TWILIO_AUTH_TOKEN";
  public static final String TWILIO_FROM = "TWILIO_FROM";
  public static final String TWILIO_MESSAGING_SERVICE_SID = "TWILIO_MESSAGING_SERVICE_SID";
  public static final String MESSAGEBIRD_ACCESS_KEY = "MESSAGEBIRD_ACCESS_KEY";
  public static final String MESSAGEBIRD_ORIGINATOR = "MESSAGEBIRD_ORIGINATOR";

  /**
   * The gateway for {@code config}.
   *
   * @throws SmsException with reason MISCONFIGURED naming the missing variable
   */
  public static SmsGateway create(SmsOtpConfig config, Map<String, String> env) throws SmsException {
    Duration timeout = Duration.ofMillis(config.timeoutMillis());
    return switch (config.gateway()) {
      case TWILIO -> {
        String service = env.get(TWILIO_MESSAGING_SERVICE_SID);
        String from = blank(service) ? required(env, TWILIO_FROM, "twilio") : null;
        yield new TwilioSmsGateway(
            config.twilioBaseUrl(),
            required(env, TWILIO_ACCOUNT_SID, "twilio"),
            required(env, TWILIO_AUTH_TOKEN, "twilio"),
            from,
            service,
            timeout);
      }
      case MESSAGEBIRD ->
          new MessageBirdSmsGateway(
              config.messageBirdBaseUrl(),
              required(env, MESSAGEBIRD_ACCESS_KEY, "messagebird"),
              required(env, MESSAGEBIRD_ORIGINATOR, "messagebird"),
              timeout);
      case LOG -> new LogSmsGateway();
    };
  }

  private static String required(Map<String, String> env, String key, String gateway) throws SmsException {
    String value = env.get(key);
    if (blank(value)) {
      throw new SmsException(
          SmsException.Reason.MISCONFIGURED, "gateway " + gateway + " is configured but " + key + " is not set in Keycloak's environment");
    }
    return value;
  }

  private static boolean blank(String value) {
    return value == null || value.isBlank();
  }
}
