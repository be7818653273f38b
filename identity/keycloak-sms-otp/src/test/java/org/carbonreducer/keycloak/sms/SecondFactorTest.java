package org.carbonreducer.keycloak.sms;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class SecondFactorTest {
  @Test
  void totpWinsThenSmsThenEnrolment() {
    assertEquals(SecondFactor.TOTP, SecondFactor.choose(true, true));
    assertEquals(SecondFactor.TOTP, SecondFactor.choose(true, false));
    assertEquals(SecondFactor.SMS, SecondFactor.choose(false, true));
    assertEquals(SecondFactor.NONE, SecondFactor.choose(false, false));
  }

  @Test
  void parsesTheConditionConfig() {
    assertEquals(SecondFactor.SMS, SecondFactor.parse(" Sms "));
    assertThrows(IllegalArgumentException.class, () -> SecondFactor.parse("email"));
    assertThrows(IllegalArgumentException.class, () -> SecondFactor.parse(null));
  }
}
