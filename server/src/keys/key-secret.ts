// Pure: API key secrets. `tg-` + base64url of 32 random bytes; only the SHA-256 hex is stored,
// plus a short display prefix so people can tell their keys apart.
import * as crypto from 'node:crypto';
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

// Hashed on every gateway call: the one-shot crypto.hash (Node ≥ 20.12) is about 3× cheaper than a
// createHash object; the same SHA-256 hex either way.
const oneShot = (crypto as { hash?: (alg: string, data: string, enc: 'hex') => string }).hash;
export const hashKeySecret: (secret: string) => string = oneShot
  ? (secret) => oneShot('sha256', secret, 'hex')
  : sha256Hex;

export const displayPrefix = (secret: string): string => secret.slice(0, DISPLAY_CHARS);

/** Cheap shape check before any lookup: our secrets are `tg-` + 43 base64url characters. */
export const looksLikeKey = (secret: string): boolean => /^tg-[A-Za-z0-9_-]{43,}$/.test(secret) && secret.length <= 200;

export type KeyStatus = 'active' | 'revoked' | 'expired';

export function keyStatus(k: { revokedAt: number | null; expiresAt: number | null }, now: number): KeyStatus {
  if (k.revokedAt !== null) return 'revoked';
  if (k.expiresAt !== null && k.expiresAt <= now) return 'expired';
  return 'active';
}
