package org.carbonreducer.keycloak.sms;

import org.keycloak.credential.CredentialModel;
import org.keycloak.credential.CredentialProvider;
import org.keycloak.credential.CredentialTypeMetadata;
import org.keycloak.credential.CredentialTypeMetadataContext;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.UserModel;

/**
 * Makes {@value PhoneCredentials#TYPE} a credential type Keycloak knows: admin imports of users with a verified
 * phone, the admin and account consoles (listed as a second factor, set up by the phone-number required action).
 */
public final class PhoneCredentialProvider implements CredentialProvider<CredentialModel> {
  private final KeycloakSession session;

  PhoneCredentialProvider(KeycloakSession session) {
    this.session = session;
  }

  @Override
  public String getType() {
    return PhoneCredentials.TYPE;
  }

  @Override
  public CredentialModel createCredential(RealmModel realm, UserModel user, CredentialModel credential) {
    if (!PhoneNumbers.isE164(PhoneCredentials.phoneOf(credential.getCredentialData()))) {
      throw new IllegalArgumentException("sms-phone credential data must be {\"phoneNumber\": \"<E.164>\"}");
    }
    if (credential.getCreatedDate() == null) credential.setCreatedDate(System.currentTimeMillis());
    if (credential.getSecretData() == null) credential.setSecretData("{}");
    return user.credentialManager().createStoredCredential(credential);
  }

  @Override
  public boolean deleteCredential(RealmModel realm, UserModel user, String credentialId) {
    return user.credentialManager().removeStoredCredentialById(credentialId);
  }

  @Override
  public CredentialModel getCredentialFromModel(CredentialModel model) {
    return model;
  }

  @Override
  public CredentialTypeMetadata getCredentialTypeMetadata(CredentialTypeMetadataContext metadataContext) {
    return CredentialTypeMetadata.builder()
        .type(getType())
        .category(CredentialTypeMetadata.Category.TWO_FACTOR)
        .displayName("smsPhoneCredentialDisplayName")
        .helpText("smsPhoneCredentialHelpText")
        .iconCssClass("kcAuthenticatorOTPClass")
        .createAction(PhoneNumberRequiredAction.PROVIDER_ID)
        .removeable(true)
        .build(session);
  }
}
