import { createHmac } from 'node:crypto';
import type { IdView } from './http/route';

/**
 * Pseudonymous ids for analysts: a keyed HMAC-SHA256 of the raw id (key API_PSEUDONYM_KEY from the generated
 * secrets), so the same home always gets the same pseudonym, nobody without the key can compute or invert it, and a
 * device's pseudonym depends on its home (the same device id in two homes gives two pseudonyms). 96 bits, shaped as
 * a valid contract id (`h…` for homes, `d…` for devices), so pseudonyms can be passed back as path parameters.
 */
export interface Pseudonymizer {
  home(rawHomeId: string): string;
  device(rawHomeId: string, rawDeviceId: string): string;
}

const HEX_CHARS = 24;

export function createPseudonymizer(key: string): Pseudonymizer {
  if (key.length < 16) throw new Error('pseudonym key must have at least 16 characters (API_PSEUDONYM_KEY)');
  const mac = (domain: string, value: string): string =>
    createHmac('sha256', key).update(`${domain}\0${value}`).digest('hex').slice(0, HEX_CHARS);
  return {
    home: (homeId) => `h${mac('home', homeId)}`,
    device: (homeId, deviceId) => `d${mac('device', `${homeId}\0${deviceId}`)}`,
  };
}

export const rawIds: IdView = { kind: 'raw', home: (h) => h, device: (_h, d) => d };

export function pseudonymousIds(p: Pseudonymizer): IdView {
  return { kind: 'pseudonymous', home: (h) => p.home(h), device: (h, d) => p.device(h, d) };
}

export function looksLikeHomePseudonym(id: string): boolean {
  return id.length === HEX_CHARS + 1 && /^h[0-9a-f]+$/.test(id);
}
