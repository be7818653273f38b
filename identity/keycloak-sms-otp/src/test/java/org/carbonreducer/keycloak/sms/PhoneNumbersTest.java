package org.carbonreducer.keycloak.sms;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PhoneNumbersTest {
  @Test
  void normalizesWhatPeopleTypeToE164() {
    assertEquals("+447700900123", PhoneNumbers.normalize("+44 7700 900123"));
    assertEquals("+447700900123", PhoneNumbers.normalize("0044 (7700) 900-123"));
    assertEquals("+31612345678", PhoneNumbers.normalize(" +31.6.1234.5678 "));
  }

  @ParameterizedTest
  @ValueSource(strings = {"07700900123", "+0447700900123", "+44", "+4477009001231234", "+44 7700 abc", "tel:+447700900123"})
  void refusesWhatIsNotE164(String input) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PhoneNumbers.normalize(input));
    assertTrue(e.getMessage().contains("international form"), e.getMessage());
  }

  @Test
  void refusesBlank() {
    assertThrows(IllegalArgumentException.class, () -> PhoneNumbers.normalize(" "));
    assertThrows(IllegalArgumentException.class, () -> PhoneNumbers.normalize(null));
  }

  @Test
  void masksAllButThePrefixAndTheLastTwoDigits() {
    assertEquals("+44********23", PhoneNumbers.mask("+447700900123"));
    assertEquals("***", PhoneNumbers.mask("+44"));
    assertTrue(PhoneNumbers.isE164("+447700900123"));
    assertFalse(PhoneNumbers.isE164("447700900123"));
  }
}
