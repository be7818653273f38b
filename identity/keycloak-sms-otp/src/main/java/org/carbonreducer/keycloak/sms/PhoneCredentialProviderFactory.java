package org.carbonreducer.keycloak.sms;

import org.keycloak.credential.CredentialProviderFactory;
import org.keycloak.models.KeycloakSession;

/** Registers the verified-phone credential type ({@value PhoneCredentials#TYPE}). */
public final class PhoneCredentialProviderFactory implements CredentialProviderFactory<PhoneCredentialProvider> {
  @Override
  public String getId() {
    return PhoneCredentials.TYPE;
  }

  @Override
  public PhoneCredentialProvider create(KeycloakSession session) {
    return new PhoneCredentialProvider(session);
  }
}
