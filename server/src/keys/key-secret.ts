// Pure: API key secrets. `tg-` + base64url of 32 random bytes; only the SHA-256 hex is stored,
// plus a short display prefix so people can tell their keys apart.
import { randomBytes } from 'node:crypto';
import { sha256Hex } from '../identity/crypto.js';

export const KEY_PREFIX = 'tg-';
const DISPLAY_CHARS = 10;

export interface NewKeySecret {
  secret: string;
  hash: string;
  prefix: string;
}

export function generateKeySecret(random: (n: number) => Buffer = randomBytes): NewKeySecret {
  const secret = KEY_PREFIX + random(32).toString('base64url');
  return { secret, hash: hashKeySecret(secret), prefix: displayPrefix(secret) };
}

export const hashKeySecret = (secret: string): string => sha256Hex(secret);

export const displayPrefix = (secret: string): string => secret.slice(0, DISPLAY_CHARS);

/** Cheap shape check before any lookup: our secrets are `tg-` + 43 base64url characters. */
export const looksLikeKey = (secret: string): boolean => /^tg-[A-Za-z0-9_-]{43,}$/.test(secret) && secret.length <= 200;

export type KeyStatus = 'active' | 'revoked' | 'expired';

export function keyStatus(k: { revokedAt: number | null; expiresAt: number | null }, now: number): KeyStatus {
  if (k.revokedAt !== null) return 'revoked';
  if (k.expiresAt !== null && k.expiresAt <= now) return 'expired';
  return 'active';
}
