// Small crypto helpers for identity: hashing of secrets that are looked up (tokens, API keys) and
// constant-time comparison. Passwords use argon2id (users/password.ts), never these.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export function sha256Hex(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}

/** A url-safe random token of `bytes` random bytes. */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/**
 * Constant-time equality that also hides the length: both sides are SHA-256'd first, so the
 * comparison always runs over 32 bytes whatever the inputs are.
 */
export function safeEqual(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given, 'utf8').digest();
  const b = createHash('sha256').update(expected, 'utf8').digest();
  return timingSafeEqual(a, b);
}
