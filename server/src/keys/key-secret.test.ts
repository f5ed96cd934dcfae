import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generateKeySecret, keyStatus, looksLikeKey } from './key-secret.js';

describe('key secrets', () => {
  it('are tg- + base64url of 32 random bytes, hashed with SHA-256, with a 10-char prefix', () => {
    const fixed = Buffer.alloc(32, 7);
    const k = generateKeySecret(() => fixed);
    expect(k.secret).toBe('tg-' + fixed.toString('base64url'));
    expect(k.hash).toBe(createHash('sha256').update(k.secret).digest('hex'));
    expect(k.prefix).toBe(k.secret.slice(0, 10));
    expect(looksLikeKey(k.secret)).toBe(true);
  });

  it('are different every time', () => {
    expect(generateKeySecret().secret).not.toBe(generateKeySecret().secret);
  });

  it('reject foreign shapes before any lookup', () => {
    expect(looksLikeKey('sk-abc')).toBe(false);
    expect(looksLikeKey('tg-short')).toBe(false);
    expect(looksLikeKey('tg-' + 'a'.repeat(300))).toBe(false);
  });

  it('status: revoked wins, then expiry at or before now', () => {
    expect(keyStatus({ revokedAt: 5, expiresAt: null }, 1)).toBe('revoked');
    expect(keyStatus({ revokedAt: null, expiresAt: 10 }, 10)).toBe('expired');
    expect(keyStatus({ revokedAt: null, expiresAt: 10 }, 9)).toBe('active');
    expect(keyStatus({ revokedAt: null, expiresAt: null }, 9)).toBe('active');
  });
});
