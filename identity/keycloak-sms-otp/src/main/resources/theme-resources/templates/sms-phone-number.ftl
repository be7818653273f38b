<#-- Phone-number required action (sms-phone-number, CarbonReducer provider): stage "phone", then stage "code". -->
<#import "template.ftl" as layout>
<#import "field.ftl" as field>
<#import "buttons.ftl" as buttons>
<@layout.registrationLayout displayMessage=!messagesPerField.existsError('phoneNumber','code'); section>
    <#if section="header">
        ${msg("smsPhoneTitle")}
    <#elseif section="form">
        <#if (stage!"phone") == "code">
            <p id="sms-phone-code-hint" class="${properties.kcFormHelperTextClass!}">${msg("smsOtpHint", phoneMasked!"", ttlMinutes!5)}</p>
            <form id="kc-sms-phone-code-form" class="${properties.kcFormClass!}" action="${url.loginAction}" method="post">
                <@field.input name="code" label=msg("smsOtpCodeLabel") autocomplete="one-time-code" autofocus=true />
                <@buttons.actionGroup>
                    <@buttons.button id="kc-sms-phone-verify" name="verify" label="smsPhoneVerify" class=["kcButtonPrimaryClass", "kcButtonBlockClass"] />
                </@buttons.actionGroup>
            </form>
            <form id="kc-sms-phone-other-form" class="${properties.kcFormClass!}" action="${url.loginAction}" method="post">
                <@buttons.actionGroup horizontal=true>
                    <@buttons.button id="kc-sms-otp-resend" name="resend" label="smsOtpResend" class=["kcButtonSecondaryClass"] value="true" />
                    <@buttons.button id="kc-sms-phone-change" name="changeNumber" label="smsPhoneChange" class=["kcButtonSecondaryClass"] value="true" />
                </@buttons.actionGroup>
            </form>
        <#else>
            <p class="${properties.kcFormHelperTextClass!}">${msg("smsPhoneHint")}</p>
            <form id="kc-sms-phone-form" class="${properties.kcFormClass!}" action="${url.loginAction}" method="post">
                <@field.input name="phoneNumber" label=msg("smsPhoneLabel") value=(phoneNumber!"") autocomplete="tel" autofocus=true />
                <@buttons.actionGroup>
                    <@buttons.button id="kc-sms-phone-send" name="send" label="smsPhoneSend" class=["kcButtonPrimaryClass", "kcButtonBlockClass"] />
                </@buttons.actionGroup>
            </form>
        </#if>
    </#if>
</@layout.registrationLayout>
