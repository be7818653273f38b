package org.carbonreducer.keycloak.sms;

import org.keycloak.Config;
import org.keycloak.authentication.RequiredActionFactory;
import org.keycloak.authentication.RequiredActionProvider;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.KeycloakSessionFactory;

/** Registers the phone-number required action ({@value PhoneNumberRequiredAction#PROVIDER_ID}). */
public final class PhoneNumberRequiredActionFactory implements RequiredActionFactory {
  private static final PhoneNumberRequiredAction SINGLETON = new PhoneNumberRequiredAction();

  @Override
  public String getId() {
    return PhoneNumberRequiredAction.PROVIDER_ID;
  }

  @Override
  public String getDisplayText() {
    return "Add and verify a phone number (SMS codes)";
  }

  @Override
  public RequiredActionProvider create(KeycloakSession session) {
    return SINGLETON;
  }

  @Override
  public void init(Config.Scope config) {}

  @Override
  public void postInit(KeycloakSessionFactory factory) {}

  @Override
  public void close() {}
}
