package org.carbonreducer.keycloak.sms;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.Optional;
import org.keycloak.credential.CredentialModel;
import org.keycloak.models.UserModel;

/**
 * A verified phone number is stored as a credential of type {@value #TYPE} (credential data {@code
 * {"phoneNumber":"+44..."}}), written only after the person typed the code sent to it. Being a credential, it
 * shows (and can be removed) in the admin console and needs no user-profile attribute.
 */
public final class PhoneCredentials {
  private PhoneCredentials() {}

  public static final String TYPE = "sms-phone";
  static final String PHONE_NUMBER = "phoneNumber";
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The user's verified phone number, if any. */
  public static Optional<String> verifiedPhone(UserModel user) {
    return user.credentialManager()
        .getStoredCredentialsByTypeStream(TYPE)
        .map(credential -> phoneOf(credential.getCredentialData()))
        .filter(PhoneNumbers::isE164)
        .findFirst();
  }

  /** Stores {@code phoneE164} as the user's only verified phone (an earlier one is replaced). */
  public static void store(UserModel user, String phoneE164, long nowMillis) {
    if (!PhoneNumbers.isE164(phoneE164)) throw new IllegalArgumentException("not an E.164 number");
    user.credentialManager()
        .getStoredCredentialsByTypeStream(TYPE)
        .map(CredentialModel::getId)
        .toList()
        .forEach(id -> user.credentialManager().removeStoredCredentialById(id));
    CredentialModel credential = new CredentialModel();
    credential.setType(TYPE);
    credential.setUserLabel(PhoneNumbers.mask(phoneE164));
    credential.setCreatedDate(nowMillis);
    credential.setCredentialData(JSON.createObjectNode().put(PHONE_NUMBER, phoneE164).toString());
    credential.setSecretData("{}");
    user.credentialManager().createStoredCredential(credential);
  }

  static String phoneOf(String credentialData) {
    if (credentialData == null) return null;
    try {
      JsonNode node = JSON.readTree(credentialData);
      return node.path(PHONE_NUMBER).asText(null);
    } catch (IOException e) {
      return null;
    }
  }
}
