package org.carbonreducer.keycloak.sms;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.SecureRandom;
import org.junit.jupiter.api.Test;

class OtpCodesTest {
  private final SecureRandom random = new SecureRandom();

  @Test
  void generatesCodesOfTheRequestedLengthFromDigitsOnly() {
    for (int length = 4; length <= 10; length++) {
      String code = OtpCodes.generate(random, length);
      assertEquals(length, code.length());
      assertTrue(code.chars().allMatch(Character::isDigit), code);
    }
    assertThrows(IllegalArgumentException.class, () -> OtpCodes.generate(random, 0));
  }

  @Test
  void digitsAreSpreadEvenly() {
    // 60,000 digits: each of the 10 expected 6,000 times; a biased generator (e.g. modulo bias, fixed seed) falls out.
    int[] counts = new int[10];
    for (int i = 0; i < 10_000; i++) for (char c : OtpCodes.generate(random, 6).toCharArray()) counts[c - '0']++;
    for (int digit = 0; digit < 10; digit++) {
      assertTrue(counts[digit] > 5_500 && counts[digit] < 6_500, "digit " + digit + " drawn " + counts[digit] + " times");
    }
  }

  @Test
  void consecutiveCodesDiffer() {
    assertNotEquals(OtpCodes.generate(random, 10), OtpCodes.generate(random, 10));
  }

  @Test
  void keepsOnlyADigestAndMatchesTheCodeAsPeopleTypeIt() {
    String digest = OtpCodes.digest("123456");
    assertEquals(64, digest.length());
    assertFalse(digest.contains("123456"));
    assertTrue(OtpCodes.matches(digest, "123456"));
    assertTrue(OtpCodes.matches(digest, " 123 456 "));
    assertTrue(OtpCodes.matches(digest, "123-456"));
    assertFalse(OtpCodes.matches(digest, "123457"));
    assertFalse(OtpCodes.matches(digest, "12345"));
    assertFalse(OtpCodes.matches(digest, ""));
    assertFalse(OtpCodes.matches(digest, null));
    assertFalse(OtpCodes.matches(null, "123456"));
  }
}
