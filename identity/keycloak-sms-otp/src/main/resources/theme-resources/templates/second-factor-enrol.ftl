<#-- Second-factor enrolment chooser (second-factor-enrol, CarbonReducer provider). -->
<#import "template.ftl" as layout>
<#import "buttons.ftl" as buttons>
<@layout.registrationLayout displayMessage=true; section>
    <#if section="header">
        ${msg("secondFactorTitle")}
    <#elseif section="form">
        <p id="second-factor-hint" class="${properties.kcFormHelperTextClass!}">${msg("secondFactorHint")}</p>
        <form id="kc-second-factor-form" class="${properties.kcFormClass!}" action="${url.loginAction}" method="post">
            <@buttons.actionGroup>
                <@buttons.button id="kc-second-factor-totp" name="factor" label="secondFactorTotp" class=["kcButtonPrimaryClass", "kcButtonBlockClass"] value="totp" />
                <@buttons.button id="kc-second-factor-sms" name="factor" label="secondFactorSms" class=["kcButtonSecondaryClass", "kcButtonBlockClass"] value="sms" />
            </@buttons.actionGroup>
        </form>
    </#if>
</@layout.registrationLayout>
