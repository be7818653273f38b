package org.carbonreducer.keycloak.sms;

/** A text message that could not be sent; {@link #reason()} picks the message the login page shows. */
public class SmsException extends Exception {
  private static final long serialVersionUID = 1L;

  /** Why sending failed. */
  public enum Reason {
    /** The gateway did not answer in time. */
    TIMEOUT,
    /** The gateway could not be reached or answered with a server error. */
    UNAVAILABLE,
    /** The gateway refused the message (bad number, not allowed destination, ...). */
    REJECTED,
    /** Our side is not set up: credentials missing from the environment, wrong gateway config. */
    MISCONFIGURED
  }

  private final Reason reason;

  public SmsException(Reason reason, String message) {
    super(message);
    this.reason = reason;
  }

  public SmsException(Reason reason, String message, Throwable cause) {
    super(message, cause);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }
}
