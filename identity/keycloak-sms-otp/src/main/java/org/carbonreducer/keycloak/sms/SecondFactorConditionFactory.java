package org.carbonreducer.keycloak.sms;

import java.util.List;
import org.keycloak.Config;
import org.keycloak.authentication.authenticators.conditional.ConditionalAuthenticator;
import org.keycloak.authentication.authenticators.conditional.ConditionalAuthenticatorFactory;
import org.keycloak.models.AuthenticationExecutionModel;
import org.keycloak.models.KeycloakSessionFactory;
import org.keycloak.provider.ProviderConfigProperty;
import org.keycloak.provider.ProviderConfigurationBuilder;

/** Registers the second-factor condition ({@value #PROVIDER_ID}). */
public final class SecondFactorConditionFactory implements ConditionalAuthenticatorFactory {
  public static final String PROVIDER_ID = "condition-second-factor";

  @Override
  public String getId() {
    return PROVIDER_ID;
  }

  @Override
  public String getDisplayType() {
    return "Condition - second factor";
  }

  @Override
  public boolean isConfigurable() {
    return true;
  }

  @Override
  public AuthenticationExecutionModel.Requirement[] getRequirementChoices() {
    return new AuthenticationExecutionModel.Requirement[] {
      AuthenticationExecutionModel.Requirement.REQUIRED, AuthenticationExecutionModel.Requirement.DISABLED
    };
  }

  @Override
  public boolean isUserSetupAllowed() {
    return false;
  }

  @Override
  public String getHelpText() {
    return "True when the user's second factor is the configured one: totp (has TOTP), sms (no TOTP, verified phone) or none.";
  }

  @Override
  public List<ProviderConfigProperty> getConfigProperties() {
    return ProviderConfigurationBuilder.create()
        .property()
        .name(SecondFactorCondition.FACTOR)
        .label("Second factor")
        .helpText("totp, sms or none")
        .type(ProviderConfigProperty.LIST_TYPE)
        .options("totp", "sms", "none")
        .defaultValue("totp")
        .add()
        .build();
  }

  @Override
  public ConditionalAuthenticator getSingleton() {
    return SecondFactorCondition.SINGLETON;
  }

  @Override
  public void init(Config.Scope config) {}

  @Override
  public void postInit(KeycloakSessionFactory factory) {}

  @Override
  public void close() {}
}
