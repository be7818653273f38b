package org.carbonreducer.keycloak.sms;

import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * Development only: writes the message to the Keycloak log instead of a phone, so a developer can sign in with
 * the code. This is the one place a code reaches a log, and only when the realm's config chooses {@code log};
 * production realms choose twilio or messagebird.
 */
public final class LogSmsGateway implements SmsGateway {
  private static final Logger LOG = Logger.getLogger(LogSmsGateway.class);

  @Override
  public String send(String phoneE164, String text) {
    String id = "log-" + UUID.randomUUID();
    LOG.warnf("development SMS gateway (config gateway=log), message %s to %s: %s", id, phoneE164, text);
    return id;
  }

  @Override
  public String name() {
    return "log";
  }
}
