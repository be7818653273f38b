package org.carbonreducer.keycloak.sms;

import jakarta.ws.rs.core.MultivaluedMap;
import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;
import org.keycloak.authentication.AuthenticationFlowContext;
import org.keycloak.authentication.AuthenticationFlowError;
import org.keycloak.authentication.Authenticator;
import org.keycloak.authentication.authenticators.util.AuthenticatorUtils;
import org.keycloak.events.Errors;
import org.keycloak.forms.login.LoginFormsProvider;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.UserModel;

/**
 * Second factor by text message: sends a code to the user's verified phone and checks what they type. Every
 * failure is a login-page message (never a 500); wrong codes count as failed logins for brute-force detection.
 */
public final class SmsOtpAuthenticator implements Authenticator {
  private static final Logger LOG = Logger.getLogger(SmsOtpAuthenticator.class);
  static final String TEMPLATE = "sms-otp-code.ftl";
  static final String FIELD_CODE = "code";
  static final String ACTION_RESEND = "resend";

  @Override
  public void authenticate(AuthenticationFlowContext context) {
    SmsOtpConfig config = config(context);
    if (config == null) return;
    String phone = PhoneCredentials.verifiedPhone(context.getUser()).orElse(null);
    if (phone == null) {
      // The flow's condition sends only users with a verified phone here; a phone removed meanwhile lands here.
      context.failureChallenge(
          AuthenticationFlowError.CREDENTIAL_SETUP_REQUIRED,
          context.form().setError("smsOtpNoPhone").createErrorPage(Response.Status.BAD_REQUEST));
      return;
    }
    // A reload of the page (or a second tab) shows the code already sent instead of texting again: a new message
    // only when the earlier code is used up and the cooldown has passed, so reloading cannot pump messages.
    OtpChallenge current = SessionNotes.load(context.getAuthenticationSession());
    long now = System.currentTimeMillis();
    if (current != null
        && phone.equals(current.phone())
        && ((current.attemptsLeft() > 0 && now < current.expiresAtMillis())
            || OtpChallenge.resendWaitSeconds(current, now, config) > 0)) {
      context.challenge(page(context, config, current).createForm(TEMPLATE));
      return;
    }
    sendAndChallenge(context, config, phone);
  }

  @Override
  public void action(AuthenticationFlowContext context) {
    SmsOtpConfig config = config(context);
    if (config == null) return;
    MultivaluedMap<String, String> form = context.getHttpRequest().getDecodedFormParameters();
    OtpChallenge current = SessionNotes.load(context.getAuthenticationSession());
    long now = System.currentTimeMillis();

    if (form.containsKey(ACTION_RESEND)) {
      long wait = OtpChallenge.resendWaitSeconds(current, now, config);
      if (wait > 0) {
        context.challenge(page(context, config, current).setError("smsOtpResendTooSoon", wait).createForm(TEMPLATE));
        return;
      }
      String phone = PhoneCredentials.verifiedPhone(context.getUser()).orElse(current == null ? null : current.phone());
      if (phone == null) {
        authenticate(context);
        return;
      }
      sendAndChallenge(context, config, phone);
      return;
    }

    UserModel user = context.getUser();
    String bruteForceError = AuthenticatorUtils.getDisabledByBruteForceEventError(context, user);
    if (bruteForceError != null) {
      context.getEvent().user(user).error(bruteForceError);
      context.forceChallenge(page(context, config, current).setError("smsOtpLocked").createForm(TEMPLATE));
      return;
    }

    OtpChallenge.Verdict verdict = OtpChallenge.check(current, form.getFirst(FIELD_CODE), now);
    SessionNotes.save(context.getAuthenticationSession(), verdict.next());
    switch (verdict.outcome()) {
      case ACCEPTED -> {
        SessionNotes.clear(context.getAuthenticationSession());
        context.success();
      }
      case WRONG -> {
        context.getEvent().user(user).error(Errors.INVALID_USER_CREDENTIALS);
        context.failureChallenge(
            AuthenticationFlowError.INVALID_CREDENTIALS,
            page(context, config, verdict.next())
                .addError(new org.keycloak.models.utils.FormMessage(FIELD_CODE, "smsOtpWrong", verdict.next().attemptsLeft()))
                .createForm(TEMPLATE));
      }
      case WRONG_NO_ATTEMPTS_LEFT -> {
        context.getEvent().user(user).error(Errors.INVALID_USER_CREDENTIALS);
        context.failureChallenge(
            AuthenticationFlowError.INVALID_CREDENTIALS,
            page(context, config, verdict.next()).setError("smsOtpNoAttemptsLeft").createForm(TEMPLATE));
      }
      case EXPIRED ->
          context.challenge(page(context, config, verdict.next()).setError("smsOtpExpired").createForm(TEMPLATE));
      case NO_ATTEMPTS_LEFT ->
          context.challenge(page(context, config, verdict.next()).setError("smsOtpNoAttemptsLeft").createForm(TEMPLATE));
      case NO_CODE -> context.challenge(page(context, config, null).setError("smsOtpNoCode").createForm(TEMPLATE));
    }
  }

  private void sendAndChallenge(AuthenticationFlowContext context, SmsOtpConfig config, String phone) {
    OtpChallenge previous = SessionNotes.load(context.getAuthenticationSession());
    try {
      OtpChallenge sent = SmsSender.send(config, phone, System.getenv(), System.currentTimeMillis());
      SessionNotes.save(context.getAuthenticationSession(), sent);
      context.challenge(
          page(context, config, sent).setInfo("smsOtpSent", PhoneNumbers.mask(phone)).createForm(TEMPLATE));
    } catch (SmsException e) {
      SmsSender.logFailure(phone, e);
      // One event error per reason: counted by Keycloak's user-event metrics (keycloak_user_events_total{error=...}).
      context.getEvent().clone().user(context.getUser()).error(SmsSender.eventError(e));
      // A failed send keeps the earlier code (if any) and allows an immediate retry.
      if (previous != null) SessionNotes.save(context.getAuthenticationSession(), previous);
      context.challenge(
          page(context, config, previous)
              .setAttribute("smsSendFailed", true)
              .setError(SmsSender.messageKey(e), PhoneNumbers.mask(phone))
              .createForm(TEMPLATE));
    } catch (RuntimeException e) {
      // Whatever goes wrong inside a gateway, the person gets a page, not a 500.
      LOG.errorf(e, "sms-otp: unexpected failure sending to %s", PhoneNumbers.mask(phone));
      context.challenge(
          page(context, config, previous)
              .setAttribute("smsSendFailed", true)
              .setError("smsOtpSendUnavailable")
              .createForm(TEMPLATE));
    }
  }

  private static LoginFormsProvider page(AuthenticationFlowContext context, SmsOtpConfig config, OtpChallenge challenge) {
    LoginFormsProvider form = context.form();
    form.setAttribute("codeLength", config.codeLength());
    form.setAttribute("ttlMinutes", Math.max(1, config.ttlSeconds() / 60));
    form.setAttribute("resendCooldownSeconds", config.resendCooldownSeconds());
    if (challenge != null) form.setAttribute("phoneMasked", PhoneNumbers.mask(challenge.phone()));
    return form;
  }

  /** The execution's config, or null after showing an error page when it is invalid. */
  private static SmsOtpConfig config(AuthenticationFlowContext context) {
    try {
      return RealmSmsConfig.of(context.getRealm(), context.getAuthenticatorConfig());
    } catch (IllegalArgumentException e) {
      LOG.errorf("sms-otp: invalid authenticator config in realm %s: %s", context.getRealm().getName(), e.getMessage());
      context.failureChallenge(
          AuthenticationFlowError.INTERNAL_ERROR,
          context.form().setError("smsOtpSendMisconfigured").createErrorPage(Response.Status.SERVICE_UNAVAILABLE));
      return null;
    }
  }

  @Override
  public boolean requiresUser() {
    return true;
  }

  @Override
  public boolean configuredFor(KeycloakSession session, RealmModel realm, UserModel user) {
    return PhoneCredentials.verifiedPhone(user).isPresent();
  }

  @Override
  public void setRequiredActions(KeycloakSession session, RealmModel realm, UserModel user) {
    user.addRequiredAction(PhoneNumberRequiredAction.PROVIDER_ID);
  }

  @Override
  public void close() {}
}
