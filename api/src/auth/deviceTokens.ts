import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Per-device HTTP tokens: `crd.<tokenId>.<secret>`. `tokenId` (16 hex) finds the row in app.devices; only the
 * SHA-256 of `secret` (32 random bytes, base64url) is stored, and it is compared in constant time. The secret has
 * 256 bits of entropy, so a fast hash is enough: nobody can guess it offline from the digest.
 */
export const DEVICE_TOKEN_PREFIX = 'crd';
const TOKEN = /^crd\.([0-9a-f]{16})\.([A-Za-z0-9_-]{43})$/;

export interface IssuedToken {
  token: string;
  tokenId: string;
  sha256: Buffer;
}

export function issueDeviceToken(random: (n: number) => Buffer = randomBytes): IssuedToken {
  const tokenId = random(8).toString('hex');
  const secret = random(32).toString('base64url');
  return { token: `${DEVICE_TOKEN_PREFIX}.${tokenId}.${secret}`, tokenId, sha256: sha256(secret) };
}

/** `{ tokenId, secret }` of a well-formed token, else undefined. */
export function parseDeviceToken(token: string): { tokenId: string; secret: string } | undefined {
  const m = TOKEN.exec(token);
  return m ? { tokenId: m[1] as string, secret: m[2] as string } : undefined;
}

export function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** Constant-time comparison of the secret's digest with the stored one. */
export function secretMatches(secret: string, stored: Buffer): boolean {
  const digest = sha256(secret);
  return stored.length === digest.length && timingSafeEqual(digest, stored);
}

/** Constant-time equality of two shared secrets (webhook, metrics scrape), by their digests. */
export function sharedSecretMatches(given: string, expected: string): boolean {
  return timingSafeEqual(sha256(given), sha256(expected));
}

/** A random password for a device's broker identity. */
export function issuePassword(random: (n: number) => Buffer = randomBytes): string {
  return random(24).toString('base64url');
}
