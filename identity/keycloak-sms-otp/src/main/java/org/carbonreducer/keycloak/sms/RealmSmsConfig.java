package org.carbonreducer.keycloak.sms;

import org.keycloak.models.AuthenticatorConfigModel;
import org.keycloak.models.RealmModel;

/** The realm's SMS config (authenticator config alias {@value SmsOtpConfig#ALIAS}), or the defaults. */
final class RealmSmsConfig {
  private RealmSmsConfig() {}

  /** @throws IllegalArgumentException when the stored config is invalid (the message names the key) */
  static SmsOtpConfig of(RealmModel realm, AuthenticatorConfigModel executionConfig) {
    AuthenticatorConfigModel model =
        executionConfig != null ? executionConfig : realm.getAuthenticatorConfigByAlias(SmsOtpConfig.ALIAS);
    return SmsOtpConfig.fromMap(model == null ? null : model.getConfig());
  }
}
