package org.carbonreducer.keycloak.sms;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OtpChallengeTest {
  private static final long T0 = 1_764_000_000_000L;
  private static final String PHONE = "+447700900123";
  // 6 digits, 300 s, 3 attempts, 30 s cooldown.
  private final SmsOtpConfig config = SmsOtpConfig.defaults();

  private OtpChallenge issued() {
    return OtpChallenge.issue("424242", PHONE, T0, config);
  }

  @Test
  void acceptsTheCodeOnceThenRefusesItsReuse() {
    OtpChallenge.Verdict first = OtpChallenge.check(issued(), "424242", T0 + 1_000);
    assertEquals(OtpChallenge.Outcome.ACCEPTED, first.outcome());
    OtpChallenge.Verdict again = OtpChallenge.check(first.next(), "424242", T0 + 2_000);
    assertEquals(OtpChallenge.Outcome.NO_ATTEMPTS_LEFT, again.outcome());
  }

  @Test
  void countsWrongEntriesDownAndThenRefusesEvenTheRightCode() {
    OtpChallenge.Verdict one = OtpChallenge.check(issued(), "000000", T0 + 1_000);
    assertEquals(OtpChallenge.Outcome.WRONG, one.outcome());
    assertEquals(2, one.next().attemptsLeft());
    OtpChallenge.Verdict two = OtpChallenge.check(one.next(), "111111", T0 + 2_000);
    assertEquals(OtpChallenge.Outcome.WRONG, two.outcome());
    assertEquals(1, two.next().attemptsLeft());
    OtpChallenge.Verdict three = OtpChallenge.check(two.next(), "222222", T0 + 3_000);
    assertEquals(OtpChallenge.Outcome.WRONG_NO_ATTEMPTS_LEFT, three.outcome());
    OtpChallenge.Verdict right = OtpChallenge.check(three.next(), "424242", T0 + 4_000);
    assertEquals(OtpChallenge.Outcome.NO_ATTEMPTS_LEFT, right.outcome());
  }

  @Test
  void expiresAtTheEndOfItsTimeToLive() {
    assertEquals(OtpChallenge.Outcome.ACCEPTED, OtpChallenge.check(issued(), "424242", T0 + 299_999).outcome());
    OtpChallenge.Verdict late = OtpChallenge.check(issued(), "424242", T0 + 300_000);
    assertEquals(OtpChallenge.Outcome.EXPIRED, late.outcome());
    assertEquals(0, late.next().attemptsLeft());
  }

  @Test
  void noCodeSentIsItsOwnOutcome() {
    OtpChallenge.Verdict verdict = OtpChallenge.check(null, "424242", T0);
    assertEquals(OtpChallenge.Outcome.NO_CODE, verdict.outcome());
    assertNull(verdict.next());
  }

  @Test
  void resendWaitsForTheCooldownRoundedUpToWholeSeconds() {
    assertEquals(0, OtpChallenge.resendWaitSeconds(null, T0, config));
    assertEquals(30, OtpChallenge.resendWaitSeconds(issued(), T0, config));
    assertEquals(1, OtpChallenge.resendWaitSeconds(issued(), T0 + 29_001, config));
    assertEquals(0, OtpChallenge.resendWaitSeconds(issued(), T0 + 30_000, config));
  }

  @Test
  void roundTripsThroughSessionNotesWithoutTheCode() {
    OtpChallenge challenge = issued();
    Map<String, String> notes = challenge.toNotes();
    assertEquals(challenge, OtpChallenge.fromNotes(notes));
    notes.values().forEach(value -> org.junit.jupiter.api.Assertions.assertFalse(value.contains("424242")));
  }

  @Test
  void damagedOrMissingNotesMeanNoChallenge() {
    assertNull(OtpChallenge.fromNotes(Map.of()));
    Map<String, String> damaged = new HashMap<>(issued().toNotes());
    damaged.put(OtpChallenge.NOTE_ATTEMPTS_LEFT, "three");
    assertNull(OtpChallenge.fromNotes(damaged));
    damaged = new HashMap<>(issued().toNotes());
    damaged.remove(OtpChallenge.NOTE_EXPIRES_AT);
    assertNull(OtpChallenge.fromNotes(damaged));
  }
}
