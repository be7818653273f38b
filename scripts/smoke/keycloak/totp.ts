import { NodeCryptoPlugin } from '@otplib/plugin-crypto-node';
import { generateSync } from '@otplib/totp';

// otplib 13 (its TOTP package with the Node crypto plugin): the `otplib` bundle's default plugins are ESM-only
// packages that Jest's CommonJS runtime on Node 20 cannot load.
const crypto = new NodeCryptoPlugin();

/**
 * TOTP code (SHA1, 6 digits, 30 s: the realm's OTP policy) at `nowMs` shifted by `offsetSteps` periods.
 * Keycloak uses the stored secret's characters as the HMAC key, so the secret goes in as its UTF-8 bytes rather
 * than Base32-decoded.
 */
export function totpCode(secret: string, nowMs: number, offsetSteps = 0): string {
  return generateSync({
    secret: new Uint8Array(Buffer.from(secret, 'utf8')),
    crypto,
    epoch: Math.floor(nowMs / 1000) + offsetSteps * 30,
    period: 30,
    digits: 6,
    algorithm: 'sha1',
  });
}
