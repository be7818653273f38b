package org.carbonreducer.keycloak.sms;

import org.keycloak.authentication.AuthenticationFlowContext;
import org.keycloak.authentication.Authenticator;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.UserModel;
import org.keycloak.models.UserModel.RequiredAction;

/**
 * For a user with no second factor: asks which one to set up (authenticator app or phone) and adds the matching
 * required action to this login, which Keycloak runs before any token is issued. Enrolment proves the factor
 * (TOTP set-up needs a valid code, the phone action a code sent to it).
 */
public final class SecondFactorEnrolAuthenticator implements Authenticator {
  static final String TEMPLATE = "second-factor-enrol.ftl";
  static final String FIELD_FACTOR = "factor";

  @Override
  public void authenticate(AuthenticationFlowContext context) {
    context.challenge(context.form().createForm(TEMPLATE));
  }

  @Override
  public void action(AuthenticationFlowContext context) {
    String choice = context.getHttpRequest().getDecodedFormParameters().getFirst(FIELD_FACTOR);
    String action =
        "totp".equals(choice)
            ? RequiredAction.CONFIGURE_TOTP.name()
            : "sms".equals(choice) ? PhoneNumberRequiredAction.PROVIDER_ID : null;
    if (action == null) {
      context.challenge(context.form().setError("secondFactorChoose").createForm(TEMPLATE));
      return;
    }
    // On the login only: a person who abandons it is asked again next time, not left with a stale action.
    context.getAuthenticationSession().addRequiredAction(action);
    context.success();
  }

  @Override
  public boolean requiresUser() {
    return true;
  }

  @Override
  public boolean configuredFor(KeycloakSession session, RealmModel realm, UserModel user) {
    return true;
  }

  @Override
  public void setRequiredActions(KeycloakSession session, RealmModel realm, UserModel user) {}

  @Override
  public void close() {}
}
