<#-- SMS code page of the sms-otp-authenticator (CarbonReducer provider); keycloak.v2 login theme macros. -->
<#import "template.ftl" as layout>
<#import "field.ftl" as field>
<#import "buttons.ftl" as buttons>
<@layout.registrationLayout displayMessage=!messagesPerField.existsError('code'); section>
    <#if section="header">
        ${msg("smsOtpTitle")}
    <#elseif section="form">
        <#if phoneMasked??>
            <p id="sms-otp-hint" class="${properties.kcFormHelperTextClass!}">${msg("smsOtpHint", phoneMasked, ttlMinutes)}</p>
        </#if>
        <form id="kc-sms-otp-form" class="${properties.kcFormClass!}" action="${url.loginAction}" method="post">
            <@field.input name="code" label=msg("smsOtpCodeLabel") autocomplete="one-time-code" autofocus=true />
            <@buttons.actionGroup>
                <@buttons.button id="kc-login" name="login" label="doLogIn" class=["kcButtonPrimaryClass", "kcButtonBlockClass"] />
            </@buttons.actionGroup>
        </form>
        <form id="kc-sms-otp-resend-form" class="${properties.kcFormClass!}" action="${url.loginAction}" method="post">
            <@buttons.actionGroup>
                <@buttons.button id="kc-sms-otp-resend" name="resend" label="smsOtpResend" class=["kcButtonSecondaryClass", "kcButtonBlockClass"] value="true" />
            </@buttons.actionGroup>
        </form>
    </#if>
</@layout.registrationLayout>
