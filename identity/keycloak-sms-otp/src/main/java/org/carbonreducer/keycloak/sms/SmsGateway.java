package org.carbonreducer.keycloak.sms;

/** Sends one text message. Implementations: {@link TwilioSmsGateway}, {@link MessageBirdSmsGateway}, {@link LogSmsGateway}. */
public interface SmsGateway {
  /**
   * Sends {@code text} to {@code phoneE164}.
   *
   * @return the gateway's id of the message (for support; never contains the text)
   * @throws SmsException when the message was not accepted, with the reason
   */
  String send(String phoneE164, String text) throws SmsException;

  /** Short name for logs and metrics: twilio, messagebird, log. */
  String name();
}
