package org.carbonreducer.keycloak.sms;

import java.util.regex.Pattern;

/** Phone numbers in E.164 form: '+', country code, subscriber number; 8 to 15 digits in all. */
public final class PhoneNumbers {
  private PhoneNumbers() {}

  private static final Pattern E164 = Pattern.compile("\\+[1-9][0-9]{7,14}");

  /**
   * The E.164 form of what a person typed: spaces, dashes, dots and brackets are dropped, a leading "00" becomes
   * '+'.
   *
   * @throws IllegalArgumentException when the result is not E.164 (the message says what is expected)
   */
  public static String normalize(String input) {
    if (input == null || input.isBlank()) throw new IllegalArgumentException("a phone number is required");
    String compact = input.strip().replaceAll("[\\s.()\\-]", "");
    if (compact.startsWith("00")) compact = "+" + compact.substring(2);
    if (!E164.matcher(compact).matches()) {
      throw new IllegalArgumentException(
          "phone number must be in international form: '+', country code and number (8 to 15 digits)");
    }
    return compact;
  }

  /** Whether {@code value} is already E.164. */
  public static boolean isE164(String value) {
    return value != null && E164.matcher(value).matches();
  }

  /** The number with all but the country prefix and the last two digits hidden, for pages and logs. */
  public static String mask(String e164) {
    if (e164 == null || e164.length() < 6) return "***";
    int visibleTail = 2;
    int visibleHead = 3;
    return e164.substring(0, visibleHead)
        + "*".repeat(e164.length() - visibleHead - visibleTail)
        + e164.substring(e164.length() - visibleTail);
  }
}
