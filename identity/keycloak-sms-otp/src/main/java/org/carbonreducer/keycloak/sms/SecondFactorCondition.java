package org.carbonreducer.keycloak.sms;

import org.jboss.logging.Logger;
import org.keycloak.authentication.AuthenticationFlowContext;
import org.keycloak.authentication.authenticators.conditional.ConditionalAuthenticator;
import org.keycloak.models.AuthenticatorConfigModel;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.UserModel;

/**
 * Condition {@value SecondFactorConditionFactory#PROVIDER_ID}: true when the user's second factor ({@link
 * SecondFactor}) is the one named in the config key {@value #FACTOR}. Exactly one of the three sub-flows (totp,
 * sms, none) matches any user.
 */
public final class SecondFactorCondition implements ConditionalAuthenticator {
  private static final Logger LOG = Logger.getLogger(SecondFactorCondition.class);
  static final String FACTOR = "factor";
  static final SecondFactorCondition SINGLETON = new SecondFactorCondition();

  @Override
  public boolean matchCondition(AuthenticationFlowContext context) {
    UserModel user = context.getUser();
    if (user == null) return false;
    AuthenticatorConfigModel config = context.getAuthenticatorConfig();
    try {
      SecondFactor wanted = SecondFactor.parse(config == null ? null : config.getConfig().get(FACTOR));
      return SecondFactor.of(user) == wanted;
    } catch (IllegalArgumentException e) {
      LOG.errorf("condition-second-factor: %s (execution %s)", e.getMessage(), context.getExecution().getId());
      return false;
    }
  }

  @Override
  public void action(AuthenticationFlowContext context) {}

  @Override
  public boolean requiresUser() {
    return true;
  }

  @Override
  public void setRequiredActions(KeycloakSession session, RealmModel realm, UserModel user) {}

  @Override
  public void close() {}
}
