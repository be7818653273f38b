package org.carbonreducer.keycloak.sms;

import jakarta.ws.rs.core.MultivaluedMap;
import org.jboss.logging.Logger;
import org.keycloak.authentication.InitiatedActionSupport;
import org.keycloak.authentication.RequiredActionContext;
import org.keycloak.authentication.RequiredActionProvider;
import org.keycloak.forms.login.LoginFormsProvider;
import org.keycloak.models.utils.FormMessage;
import org.keycloak.sessions.AuthenticationSessionModel;

/**
 * Required action {@value #PROVIDER_ID}: the user types a phone number (E.164), gets a code by text message and
 * types it back; only then is the number stored as their verified phone ({@link PhoneCredentials}). Uses the
 * realm's SMS config (alias {@value SmsOtpConfig#ALIAS}).
 */
public final class PhoneNumberRequiredAction implements RequiredActionProvider {
  private static final Logger LOG = Logger.getLogger(PhoneNumberRequiredAction.class);
  public static final String PROVIDER_ID = "sms-phone-number";
  static final String TEMPLATE = "sms-phone-number.ftl";
  static final String FIELD_PHONE = "phoneNumber";
  static final String FIELD_CODE = "code";
  static final String ACTION_RESEND = "resend";
  static final String ACTION_CHANGE_NUMBER = "changeNumber";

  @Override
  public InitiatedActionSupport initiatedActionSupport() {
    return InitiatedActionSupport.SUPPORTED;
  }

  @Override
  public void evaluateTriggers(RequiredActionContext context) {}

  @Override
  public void requiredActionChallenge(RequiredActionContext context) {
    context.challenge(phonePage(context).createForm(TEMPLATE));
  }

  @Override
  public void processAction(RequiredActionContext context) {
    SmsOtpConfig config;
    try {
      config = RealmSmsConfig.of(context.getRealm(), null);
    } catch (IllegalArgumentException e) {
      LOG.errorf("sms-otp: invalid config %s in realm %s: %s", SmsOtpConfig.ALIAS, context.getRealm().getName(), e.getMessage());
      context.challenge(phonePage(context).setError("smsOtpSendMisconfigured").createForm(TEMPLATE));
      return;
    }
    AuthenticationSessionModel authSession = context.getAuthenticationSession();
    MultivaluedMap<String, String> form = context.getHttpRequest().getDecodedFormParameters();
    OtpChallenge current = SessionNotes.load(authSession);
    long now = System.currentTimeMillis();

    if (form.containsKey(ACTION_CHANGE_NUMBER) || (current == null && !form.containsKey(FIELD_PHONE))) {
      SessionNotes.clear(authSession);
      context.challenge(phonePage(context).createForm(TEMPLATE));
      return;
    }
    if (form.containsKey(FIELD_PHONE)) {
      String phone;
      try {
        phone = PhoneNumbers.normalize(form.getFirst(FIELD_PHONE));
      } catch (IllegalArgumentException e) {
        context.challenge(
            phonePage(context)
                .setAttribute("phoneNumber", form.getFirst(FIELD_PHONE))
                .addError(new FormMessage(FIELD_PHONE, "smsPhoneInvalid"))
                .createForm(TEMPLATE));
        return;
      }
      // The cooldown holds whatever number is typed, so trying many numbers cannot pump messages either.
      long wait = OtpChallenge.resendWaitSeconds(current, now, config);
      if (wait > 0) {
        LoginFormsProvider page =
            phone.equals(current.phone()) ? codePage(context, config, current) : phonePage(context).setAttribute("phoneNumber", phone);
        context.challenge(page.setError("smsOtpResendTooSoon", wait).createForm(TEMPLATE));
        return;
      }
      send(context, config, phone, current);
      return;
    }
    if (form.containsKey(ACTION_RESEND)) {
      long wait = OtpChallenge.resendWaitSeconds(current, now, config);
      if (wait > 0) {
        context.challenge(codePage(context, config, current).setError("smsOtpResendTooSoon", wait).createForm(TEMPLATE));
        return;
      }
      send(context, config, current.phone(), current);
      return;
    }

    OtpChallenge.Verdict verdict = OtpChallenge.check(current, form.getFirst(FIELD_CODE), now);
    SessionNotes.save(authSession, verdict.next());
    switch (verdict.outcome()) {
      case ACCEPTED -> {
        PhoneCredentials.store(context.getUser(), current.phone(), now);
        SessionNotes.clear(authSession);
        context.getEvent().detail("phone_number", PhoneNumbers.mask(current.phone())).success();
        context.success();
      }
      case WRONG ->
          context.challenge(
              codePage(context, config, verdict.next())
                  .addError(new FormMessage(FIELD_CODE, "smsOtpWrong", verdict.next().attemptsLeft()))
                  .createForm(TEMPLATE));
      case WRONG_NO_ATTEMPTS_LEFT, NO_ATTEMPTS_LEFT ->
          context.challenge(codePage(context, config, verdict.next()).setError("smsOtpNoAttemptsLeft").createForm(TEMPLATE));
      case EXPIRED -> context.challenge(codePage(context, config, verdict.next()).setError("smsOtpExpired").createForm(TEMPLATE));
      case NO_CODE -> context.challenge(phonePage(context).createForm(TEMPLATE));
    }
  }

  private void send(RequiredActionContext context, SmsOtpConfig config, String phone, OtpChallenge previous) {
    AuthenticationSessionModel authSession = context.getAuthenticationSession();
    try {
      OtpChallenge sent = SmsSender.send(config, phone, System.getenv(), System.currentTimeMillis());
      SessionNotes.save(authSession, sent);
      context.challenge(codePage(context, config, sent).setInfo("smsOtpSent", PhoneNumbers.mask(phone)).createForm(TEMPLATE));
    } catch (SmsException e) {
      SmsSender.logFailure(phone, e);
      context.getEvent().clone().user(context.getUser()).error(SmsSender.eventError(e));
      failedPage(context, previous, phone, SmsSender.messageKey(e));
    } catch (RuntimeException e) {
      LOG.errorf(e, "sms-otp: unexpected failure sending to %s", PhoneNumbers.mask(phone));
      failedPage(context, previous, phone, "smsOtpSendUnavailable");
    }
  }

  private void failedPage(RequiredActionContext context, OtpChallenge previous, String phone, String messageKey) {
    if (previous != null) SessionNotes.save(context.getAuthenticationSession(), previous);
    context.challenge(
        phonePage(context).setAttribute("phoneNumber", phone).setError(messageKey, PhoneNumbers.mask(phone)).createForm(TEMPLATE));
  }

  private static LoginFormsProvider phonePage(RequiredActionContext context) {
    return context.form().setAttribute("stage", "phone");
  }

  private static LoginFormsProvider codePage(RequiredActionContext context, SmsOtpConfig config, OtpChallenge challenge) {
    LoginFormsProvider form = context.form().setAttribute("stage", "code");
    form.setAttribute("codeLength", config.codeLength());
    form.setAttribute("ttlMinutes", Math.max(1, config.ttlSeconds() / 60));
    if (challenge != null) form.setAttribute("phoneMasked", PhoneNumbers.mask(challenge.phone()));
    return form;
  }

  @Override
  public void close() {}
}
