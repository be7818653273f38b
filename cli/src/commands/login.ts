import type { Command } from 'commander';
import { withStackDefaults } from '@carbonreducer/stack-env';
import { command, printJson } from '../command';
import {
  claimsOf,
  CLI_CLIENT_ID,
  logout,
  pollDeviceToken,
  saveTokens,
  startDeviceLogin,
  tokenFile,
  validAccessToken,
} from '../login/tokens';

/** The realm's issuer: `--issuer`, else KEYCLOAK_ISSUER (the native stack's when run from the checkout). */
function issuerOf(flag: string | undefined): string {
  const issuer = flag ?? withStackDefaults(process.env).KEYCLOAK_ISSUER;
  if (!issuer) throw new Error('no issuer: give --issuer URL or set KEYCLOAK_ISSUER (carbonreducer stack env)');
  return issuer.replace(/\/$/, '');
}

function who(accessToken: string, expiresAtMs: number, refreshed: boolean) {
  const c = claimsOf(accessToken);
  return {
    user: c.preferred_username ?? c.sub ?? null,
    issuer: c.iss ?? null,
    acr: c.acr ?? null,
    roles: c.roles ?? [],
    expiresAt: new Date(expiresAtMs).toISOString(),
    refreshed,
    file: tokenFile(),
  };
}

export function loginCommand(): Command {
  const login = command(
    'login',
    'Sign in to the API (Keycloak device authorization grant: password and second factor in a browser)',
    [
      'carbonreducer login',
      'carbonreducer login status --json',
      'curl -H "Authorization: Bearer $(carbonreducer login token)" …',
    ],
    `Prints a URL and a code: open it in any browser, sign in with your password and second factor (TOTP or SMS),
and approve "CarbonReducer CLI". The tokens are kept in ${tokenFile()} (0600; override the directory with
CARBONREDUCER_CONFIG_DIR); the access token (5 min) is refreshed with the rotating refresh token when needed.`,
  )
    .option('--issuer <url>', 'the realm (default KEYCLOAK_ISSUER)')
    .option('--client-id <id>', 'the public client with the device grant', CLI_CLIENT_ID)
    .option('--json', 'print who signed in as JSON')
    .action(async (f: { issuer?: string; clientId: string; json?: boolean }) => {
      const issuer = issuerOf(f.issuer);
      const start = await startDeviceLogin(issuer, f.clientId);
      process.stderr.write(
        `To sign in, open ${start.verificationUriComplete ?? start.verificationUri}\n` +
          `(or ${start.verificationUri} and enter the code ${start.userCode}); waiting up to ${Math.round(start.expiresInS / 60)} min…\n`,
      );
      const tokens = await pollDeviceToken(issuer, f.clientId, start);
      await saveTokens(tokens);
      const w = who(tokens.accessToken, tokens.accessExpiresAtMs, false);
      if (f.json) printJson(w);
      else process.stderr.write(`signed in as ${String(w.user)} (acr ${String(w.acr)}); tokens in ${w.file}\n`);
    });

  login.addCommand(
    command('status', 'Who is signed in, and until when (refreshes the access token if it is about to expire)', [
      'carbonreducer login status',
      'carbonreducer login status --json',
    ])
      .option('--json', 'print JSON')
      .action(async (f: { json?: boolean }) => {
        const { tokens, refreshed } = await validAccessToken();
        const w = who(tokens.accessToken, tokens.accessExpiresAtMs, refreshed);
        if (f.json) printJson(w);
        else {
          process.stdout.write(
            `signed in as ${String(w.user)} at ${String(w.issuer)} (acr ${String(w.acr)}, roles ${[w.roles].flat().join(', ') || 'none'}); access token valid until ${w.expiresAt}${refreshed ? ' (refreshed)' : ''}\n`,
          );
        }
      }),
  );
  login.addCommand(
    command('token', 'Print a valid access token (refreshed when needed), for an Authorization header', [
      'curl -H "Authorization: Bearer $(carbonreducer login token)" http://127.0.0.1:8090/api/homes',
    ]).action(async () => {
      process.stdout.write(`${(await validAccessToken()).tokens.accessToken}\n`);
    }),
  );
  login.addCommand(
    command('logout', 'End the session at Keycloak and delete the cached tokens', [
      'carbonreducer login logout',
    ]).action(async () => {
      process.stderr.write((await logout()) ? 'signed out\n' : 'not signed in\n');
    }),
  );
  return login;
}
