package org.carbonreducer.keycloak.sms;

import java.util.Locale;
import org.keycloak.models.UserModel;
import org.keycloak.models.credential.OTPCredentialModel;

/** Which second factor a user signs in with: TOTP if they have one, else SMS if a verified phone, else none. */
public enum SecondFactor {
  TOTP,
  SMS,
  NONE;

  /** Pure rule behind {@link #of(UserModel)}. */
  public static SecondFactor choose(boolean hasTotp, boolean hasVerifiedPhone) {
    if (hasTotp) return TOTP;
    return hasVerifiedPhone ? SMS : NONE;
  }

  public static SecondFactor of(UserModel user) {
    return choose(
        user.credentialManager().isConfiguredFor(OTPCredentialModel.TYPE),
        PhoneCredentials.verifiedPhone(user).isPresent());
  }

  /** Parses a config value (totp, sms, none; any case). */
  public static SecondFactor parse(String value) {
    if (value == null) throw new IllegalArgumentException("factor is required (totp, sms or none)");
    try {
      return valueOf(value.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("factor must be totp, sms or none, got '" + value + "'", e);
    }
  }
}
