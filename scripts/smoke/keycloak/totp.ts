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

/** Bytes of an RFC 4648 Base32 string (as authenticator apps read the key Keycloak shows; spaces ignored). */
export function base32Decode(text: string): Uint8Array {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const clean = text.replace(/[\s=]/g, '').toUpperCase();
  const out: number[] = [];
  let bits = 0;
  let value = 0;
  for (const char of clean) {
    const index = alphabet.indexOf(char);
    if (index < 0) throw new Error(`'${char}' is not a Base32 character`);
    value = (value << 5) | index;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.push((value >> bits) & 0xff);
    }
  }
  return new Uint8Array(out);
}

/** TOTP code for a key shown as Base32 (the set-up page's "unable to scan" key), as an authenticator app computes it. */
export function totpCodeForDisplayedKey(base32Key: string, nowMs: number, offsetSteps = 0): string {
  return generateSync({
    secret: base32Decode(base32Key),
    crypto,
    epoch: Math.floor(nowMs / 1000) + offsetSteps * 30,
    period: 30,
    digits: 6,
    algorithm: 'sha1',
  });
}
