package org.carbonreducer.keycloak.sms;

import java.util.List;
import org.keycloak.Config;
import org.keycloak.authentication.Authenticator;
import org.keycloak.authentication.AuthenticatorFactory;
import org.keycloak.models.AuthenticationExecutionModel;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.KeycloakSessionFactory;
import org.keycloak.provider.ProviderConfigProperty;
import org.keycloak.provider.ProviderConfigurationBuilder;

/** Registers the SMS code authenticator ({@value #PROVIDER_ID}) and its config form. */
public final class SmsOtpAuthenticatorFactory implements AuthenticatorFactory {
  public static final String PROVIDER_ID = "sms-otp-authenticator";
  private static final SmsOtpAuthenticator SINGLETON = new SmsOtpAuthenticator();

  @Override
  public String getId() {
    return PROVIDER_ID;
  }

  @Override
  public String getDisplayType() {
    return "SMS one-time code";
  }

  @Override
  public String getReferenceCategory() {
    return "sms-otp";
  }

  @Override
  public boolean isConfigurable() {
    return true;
  }

  @Override
  public AuthenticationExecutionModel.Requirement[] getRequirementChoices() {
    return new AuthenticationExecutionModel.Requirement[] {
      AuthenticationExecutionModel.Requirement.REQUIRED,
      AuthenticationExecutionModel.Requirement.ALTERNATIVE,
      AuthenticationExecutionModel.Requirement.DISABLED
    };
  }

  @Override
  public boolean isUserSetupAllowed() {
    return true;
  }

  @Override
  public String getHelpText() {
    return "Sends a one-time code by text message to the user's verified phone number and checks it.";
  }

  @Override
  public List<ProviderConfigProperty> getConfigProperties() {
    return configProperties();
  }

  /** The config form; the phone-number required action reads the same config by its alias (same keys, defaults). */
  static List<ProviderConfigProperty> configProperties() {
    SmsOtpConfig d = SmsOtpConfig.defaults();
    return ProviderConfigurationBuilder.create()
        .property()
        .name(SmsOtpConfig.CODE_LENGTH)
        .label("Code length")
        .helpText("Digits in a code (4-10).")
        .type(ProviderConfigProperty.INTEGER_TYPE)
        .defaultValue(d.codeLength())
        .add()
        .property()
        .name(SmsOtpConfig.TTL_SECONDS)
        .label("Time to live (s)")
        .helpText("How long a code is accepted after it was sent (10-3600 s).")
        .type(ProviderConfigProperty.INTEGER_TYPE)
        .defaultValue(d.ttlSeconds())
        .add()
        .property()
        .name(SmsOtpConfig.MAX_ATTEMPTS)
        .label("Attempts per code")
        .helpText("Wrong entries allowed for one code; then a new code must be sent (1-10).")
        .type(ProviderConfigProperty.INTEGER_TYPE)
        .defaultValue(d.maxAttempts())
        .add()
        .property()
        .name(SmsOtpConfig.RESEND_COOLDOWN_SECONDS)
        .label("Resend cooldown (s)")
        .helpText("Shortest time between two codes sent in one login (0-3600 s).")
        .type(ProviderConfigProperty.INTEGER_TYPE)
        .defaultValue(d.resendCooldownSeconds())
        .add()
        .property()
        .name(SmsOtpConfig.GATEWAY)
        .label("Gateway")
        .helpText("twilio or messagebird (credentials from Keycloak's environment), or log (development only).")
        .type(ProviderConfigProperty.LIST_TYPE)
        .options("twilio", "messagebird", "log")
        .defaultValue("log")
        .add()
        .property()
        .name(SmsOtpConfig.TWILIO_BASE_URL)
        .label("Twilio base URL")
        .helpText("Override for tests or a regional endpoint.")
        .type(ProviderConfigProperty.STRING_TYPE)
        .defaultValue(d.twilioBaseUrl().toString())
        .add()
        .property()
        .name(SmsOtpConfig.MESSAGEBIRD_BASE_URL)
        .label("MessageBird base URL")
        .helpText("Override for tests.")
        .type(ProviderConfigProperty.STRING_TYPE)
        .defaultValue(d.messageBirdBaseUrl().toString())
        .add()
        .property()
        .name(SmsOtpConfig.TIMEOUT_MILLIS)
        .label("Gateway timeout (ms)")
        .helpText("Time allowed for the gateway to answer (100-60000 ms).")
        .type(ProviderConfigProperty.INTEGER_TYPE)
        .defaultValue(d.timeoutMillis())
        .add()
        .build();
  }

  @Override
  public Authenticator create(KeycloakSession session) {
    return SINGLETON;
  }

  @Override
  public void init(Config.Scope config) {}

  @Override
  public void postInit(KeycloakSessionFactory factory) {}

  @Override
  public void close() {}
}
