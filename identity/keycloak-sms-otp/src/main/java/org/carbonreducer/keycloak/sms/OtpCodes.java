package org.carbonreducer.keycloak.sms;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;

/** One-time codes: drawn from a CSPRNG, kept only as a SHA-256 digest, compared in constant time. */
public final class OtpCodes {
  private OtpCodes() {}

  /** A code of {@code length} decimal digits, uniformly drawn (leading zeros allowed). */
  public static String generate(SecureRandom random, int length) {
    if (length < 1) throw new IllegalArgumentException("length must be positive, got " + length);
    StringBuilder code = new StringBuilder(length);
    for (int i = 0; i < length; i++) code.append((char) ('0' + random.nextInt(10)));
    return code.toString();
  }

  /** Hex SHA-256 of the code: what the authentication session keeps instead of the code itself. */
  public static String digest(String code) {
    return HexFormat.of().formatHex(sha256(code.getBytes(StandardCharsets.UTF_8)));
  }

  /**
   * Whether {@code input} (spaces and dashes people type are dropped) is the code behind {@code expectedDigest}.
   * Both sides are hashed first, so the comparison takes the same time whatever the input's length or content.
   */
  public static boolean matches(String expectedDigest, String input) {
    if (expectedDigest == null || input == null) return false;
    byte[] expected = HexFormat.of().parseHex(expectedDigest);
    byte[] actual = sha256(normalize(input).getBytes(StandardCharsets.UTF_8));
    return MessageDigest.isEqual(expected, actual);
  }

  /** The code as typed, without the spaces and dashes people put between digit groups. */
  public static String normalize(String input) {
    return input.replaceAll("[\\s-]", "");
  }

  private static byte[] sha256(byte[] data) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(data);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }
}
