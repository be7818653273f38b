package org.carbonreducer.keycloak.sms;

import java.util.HashMap;
import java.util.Map;

/**
 * The state of one SMS code in one login (pure: {@code now} is passed in). It lives in the authentication
 * session's notes, so it ends with the login; the code itself is never stored, only its digest.
 *
 * @param digest SHA-256 of the code (see {@link OtpCodes#digest})
 * @param sentAtMillis when the code was sent (epoch ms)
 * @param expiresAtMillis when the code stops being accepted (epoch ms)
 * @param attemptsLeft wrong entries still allowed; at 0 the code is dead and a new one must be sent
 * @param phone the E.164 number the code went to
 */
public record OtpChallenge(String digest, long sentAtMillis, long expiresAtMillis, int attemptsLeft, String phone) {

  /** Auth-session note keys (prefixed so they never clash with Keycloak's own notes). */
  static final String NOTE_DIGEST = "cr-sms-otp.digest";
  static final String NOTE_SENT_AT = "cr-sms-otp.sent-at";
  static final String NOTE_EXPIRES_AT = "cr-sms-otp.expires-at";
  static final String NOTE_ATTEMPTS_LEFT = "cr-sms-otp.attempts-left";
  static final String NOTE_PHONE = "cr-sms-otp.phone";

  /** What checking an entered code found. */
  public enum Outcome {
    ACCEPTED,
    WRONG,
    /** The last allowed wrong entry: the code is now dead. */
    WRONG_NO_ATTEMPTS_LEFT,
    EXPIRED,
    /** Too many wrong entries earlier (or the code was already used): a new code is needed. */
    NO_ATTEMPTS_LEFT,
    /** No code was sent in this login. */
    NO_CODE
  }

  /** The result of {@link #check}: the outcome and the state to store next (null: remove the challenge). */
  public record Verdict(Outcome outcome, OtpChallenge next) {}

  /** A new challenge for {@code code} sent at {@code nowMillis}. */
  public static OtpChallenge issue(String code, String phone, long nowMillis, SmsOtpConfig config) {
    return new OtpChallenge(
        OtpCodes.digest(code), nowMillis, nowMillis + config.ttlSeconds() * 1000L, config.maxAttempts(), phone);
  }

  /** Checks {@code input} against {@code current} (null when no code was sent) at {@code nowMillis}. */
  public static Verdict check(OtpChallenge current, String input, long nowMillis) {
    if (current == null) return new Verdict(Outcome.NO_CODE, null);
    if (current.attemptsLeft() <= 0) return new Verdict(Outcome.NO_ATTEMPTS_LEFT, current);
    if (nowMillis >= current.expiresAtMillis()) return new Verdict(Outcome.EXPIRED, current.dead());
    // Always hash and compare, even for input of the wrong length, so timing tells nothing about the code.
    if (OtpCodes.matches(current.digest(), input == null ? "" : input)) {
      // Used once: a second submission of the same code finds no attempts left.
      return new Verdict(Outcome.ACCEPTED, current.dead());
    }
    OtpChallenge after = current.withAttemptsLeft(current.attemptsLeft() - 1);
    return new Verdict(after.attemptsLeft() == 0 ? Outcome.WRONG_NO_ATTEMPTS_LEFT : Outcome.WRONG, after);
  }

  /** Seconds still to wait before another code may be sent (0: now), given the cooldown. */
  public static long resendWaitSeconds(OtpChallenge current, long nowMillis, SmsOtpConfig config) {
    if (current == null) return 0;
    long readyAt = current.sentAtMillis() + config.resendCooldownSeconds() * 1000L;
    return readyAt <= nowMillis ? 0 : (readyAt - nowMillis + 999) / 1000;
  }

  OtpChallenge withAttemptsLeft(int attempts) {
    return new OtpChallenge(digest, sentAtMillis, expiresAtMillis, attempts, phone);
  }

  OtpChallenge dead() {
    return withAttemptsLeft(0);
  }

  /** The notes to store in the authentication session. */
  public Map<String, String> toNotes() {
    Map<String, String> notes = new HashMap<>();
    notes.put(NOTE_DIGEST, digest);
    notes.put(NOTE_SENT_AT, Long.toString(sentAtMillis));
    notes.put(NOTE_EXPIRES_AT, Long.toString(expiresAtMillis));
    notes.put(NOTE_ATTEMPTS_LEFT, Integer.toString(attemptsLeft));
    notes.put(NOTE_PHONE, phone);
    return notes;
  }

  /** The challenge stored in {@code notes}, or null when there is none (or it is damaged). */
  public static OtpChallenge fromNotes(Map<String, String> notes) {
    String digest = notes.get(NOTE_DIGEST);
    if (digest == null) return null;
    try {
      return new OtpChallenge(
          digest,
          Long.parseLong(notes.get(NOTE_SENT_AT)),
          Long.parseLong(notes.get(NOTE_EXPIRES_AT)),
          Integer.parseInt(notes.get(NOTE_ATTEMPTS_LEFT)),
          notes.get(NOTE_PHONE));
    } catch (NumberFormatException | NullPointerException e) {
      return null;
    }
  }

  /** Every note key a challenge uses, for removal. */
  public static String[] noteKeys() {
    return new String[] {NOTE_DIGEST, NOTE_SENT_AT, NOTE_EXPIRES_AT, NOTE_ATTEMPTS_LEFT, NOTE_PHONE};
  }
}
