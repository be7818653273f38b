import { base32Decode, totpCode, totpCodeForDisplayedKey } from './totp';

describe('TOTP codes for Keycloak (otplib 13)', () => {
  // RFC 6238 appendix B: SHA1 key "12345678901234567890" (ASCII), T = 59 s -> 94287082 (8 digits; 6: 287082).
  it('matches the RFC 6238 SHA1 test vector with the secret used as its characters, as Keycloak does', () => {
    expect(totpCode('12345678901234567890', 59_000)).toBe('287082');
    expect(totpCode('12345678901234567890', 1_111_111_109_000)).toBe('081804');
  });

  it('decodes the Base32 key an app reads to the same bytes', () => {
    // "GEZDGNBVGY3TQOJQ..." is Base32 of "1234567890..."
    const key = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';
    expect(Buffer.from(base32Decode(key)).toString('utf8')).toBe('12345678901234567890');
    expect(totpCodeForDisplayedKey(key.toLowerCase().replace(/(.{4})/g, '$1 '), 59_000)).toBe('287082');
    expect(() => base32Decode('ABC1')).toThrow("'1' is not a Base32 character");
  });

  it('steps by whole periods', () => {
    expect(totpCode('12345678901234567890', 29_000, 1)).toBe('287082');
  });
});
