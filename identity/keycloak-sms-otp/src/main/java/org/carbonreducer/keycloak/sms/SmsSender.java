package org.carbonreducer.keycloak.sms;

import java.security.SecureRandom;
import java.util.Map;
import org.jboss.logging.Logger;

/**
 * Draws a code, sends it through the configured gateway and returns the challenge to keep in the
 * authentication session. Shared by the authenticator and the phone-number required action. Logs say who
 * (masked number), which gateway and why it failed; never the code.
 */
final class SmsSender {
  private static final Logger LOG = Logger.getLogger(SmsSender.class);
  private static final SecureRandom RANDOM = new SecureRandom();

  private SmsSender() {}

  /** The text of the message; the code is the only secret in it. */
  static String messageText(String code, SmsOtpConfig config) {
    long minutes = Math.max(1, config.ttlSeconds() / 60);
    return "CarbonReducer sign-in code: " + code + ". It expires in " + minutes + " min. Never share it.";
  }

  static OtpChallenge send(SmsOtpConfig config, String phoneE164, Map<String, String> env, long nowMillis)
      throws SmsException {
    String code = OtpCodes.generate(RANDOM, config.codeLength());
    SmsGateway gateway = SmsGateways.create(config, env);
    String id = gateway.send(phoneE164, messageText(code, config));
    LOG.infof("sms-otp: code sent to %s via %s (message %s)", PhoneNumbers.mask(phoneE164), gateway.name(), id);
    return OtpChallenge.issue(code, phoneE164, nowMillis, config);
  }

  /** The message key the login page shows for a failure. */
  static String messageKey(SmsException e) {
    return switch (e.reason()) {
      case TIMEOUT -> "smsOtpSendTimeout";
      case UNAVAILABLE -> "smsOtpSendUnavailable";
      case REJECTED -> "smsOtpSendRejected";
      case MISCONFIGURED -> "smsOtpSendMisconfigured";
    };
  }

  /** The event error (and metrics tag) for a failure: sms_send_timeout, sms_send_unavailable, ... */
  static String eventError(SmsException e) {
    return "sms_send_" + e.reason().name().toLowerCase(java.util.Locale.ROOT);
  }

  static void logFailure(String phoneE164, SmsException e) {
    LOG.warnf("sms-otp: sending to %s failed (%s): %s", PhoneNumbers.mask(phoneE164), e.reason(), e.getMessage());
  }
}
