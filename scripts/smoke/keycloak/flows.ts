import type { Page } from 'playwright-core';
import type { BrowserSession } from './browser';
import { authorizeUrl, exchangeCode, newPkce, type Pkce, type TokenResponse } from './oidc';

/** Loopback redirect that nothing listens on: the browser's request to it is answered by a route in the test. */
export const CALLBACK_ORIGIN = 'http://127.0.0.1:65500';
export const CALLBACK = `${CALLBACK_ORIGIN}/callback`;

/**
 * One authorization-code login in a browser session: opens the authorization endpoint, records the code when
 * Keycloak redirects to the callback, and exchanges it (PKCE S256).
 */
export class CodeLogin {
  readonly pkce: Pkce = newPkce();
  private code: string | undefined;
  private error: string | undefined;

  constructor(
    readonly session: BrowserSession,
    private readonly issuer: string,
    readonly clientId: string,
    readonly redirectUri = CALLBACK,
    private readonly clientSecret?: string,
  ) {}

  get page(): Page {
    return this.session.page;
  }

  /** Opens the login page; `extra` adds authorization request parameters (e.g. acr_values). */
  async start(extra: Record<string, string> = {}): Promise<void> {
    const origin = new URL(this.redirectUri).origin;
    await this.page.route(`${origin}/**`, async (route) => {
      const url = new URL(route.request().url());
      this.code = url.searchParams.get('code') ?? undefined;
      this.error = url.searchParams.get('error') ?? undefined;
      await route.fulfill({ status: 200, contentType: 'text/plain', body: 'signed in (test callback)' });
    });
    await this.page.goto(authorizeUrl(this.issuer, this.clientId, this.redirectUri, this.pkce, extra));
  }

  /** Fills the username/password page and submits it. */
  async password(username: string, password: string): Promise<void> {
    await this.page.fill('#username', username);
    await this.page.fill('#password', password);
    await Promise.all([this.page.waitForLoadState('load'), this.page.click('#kc-login')]);
  }

  /** Types a one-time code into the current page's field (`otp` for TOTP, `code` for SMS) and submits. */
  async submitCode(field: 'otp' | 'code', code: string): Promise<void> {
    await this.page.fill(`#${field}`, code);
    await Promise.all([this.page.waitForLoadState('load'), this.page.click('#kc-login')]);
  }

  /** Whether Keycloak has redirected back with a code. */
  get redirected(): boolean {
    return this.code !== undefined || this.error !== undefined;
  }

  /** Waits for the redirect to the callback and exchanges the code at the token endpoint. */
  async tokens(): Promise<TokenResponse> {
    await this.page.waitForURL((url) => url.href.startsWith(this.redirectUri), { timeout: 30_000 });
    if (this.error !== undefined) throw new Error(`authorization failed: ${this.error}`);
    if (this.code === undefined) throw new Error('no code in the redirect');
    if (this.clientSecret === undefined) {
      const { status, body } = await exchangeCode(this.issuer, this.clientId, this.redirectUri, this.code, this.pkce);
      if (status !== 200) throw new Error(`code exchange: HTTP ${status} ${JSON.stringify(body)}`);
      return body;
    }
    const response = await fetch(`${this.issuer}/protocol/openid-connect/token`, {
      method: 'POST',
      headers: { Authorization: 'Basic ' + Buffer.from(`${this.clientId}:${this.clientSecret}`).toString('base64') },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        redirect_uri: this.redirectUri,
        code: this.code,
        code_verifier: this.pkce.verifier,
      }),
    });
    const body = (await response.json()) as TokenResponse;
    if (response.status !== 200) throw new Error(`code exchange: HTTP ${response.status} ${JSON.stringify(body)}`);
    return body;
  }
}

/** The visible text of the page (messages are asserted on what a person reads). */
export async function pageText(page: Page): Promise<string> {
  return (await page.innerText('body')).replace(/\s+/g, ' ');
}

/** Brute-force detection locks a user for a minute after two failures less than a second apart. */
export const pause = (ms = 1_200): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
