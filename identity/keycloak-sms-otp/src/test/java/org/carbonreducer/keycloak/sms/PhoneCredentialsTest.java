package org.carbonreducer.keycloak.sms;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

class PhoneCredentialsTest {
  @Test
  void readsThePhoneFromTheCredentialData() {
    assertEquals("+447700900123", PhoneCredentials.phoneOf("{\"phoneNumber\":\"+447700900123\"}"));
    assertNull(PhoneCredentials.phoneOf("{}"));
    assertNull(PhoneCredentials.phoneOf("not json"));
    assertNull(PhoneCredentials.phoneOf(null));
  }

  @Test
  void eachSendFailureHasItsOwnLoginPageMessage() {
    assertEquals("smsOtpSendTimeout", SmsSender.messageKey(new SmsException(SmsException.Reason.TIMEOUT, "x")));
    assertEquals("smsOtpSendUnavailable", SmsSender.messageKey(new SmsException(SmsException.Reason.UNAVAILABLE, "x")));
    assertEquals("smsOtpSendRejected", SmsSender.messageKey(new SmsException(SmsException.Reason.REJECTED, "x")));
    assertEquals("smsOtpSendMisconfigured", SmsSender.messageKey(new SmsException(SmsException.Reason.MISCONFIGURED, "x")));
    assertEquals("sms_send_timeout", SmsSender.eventError(new SmsException(SmsException.Reason.TIMEOUT, "x")));
  }
}
