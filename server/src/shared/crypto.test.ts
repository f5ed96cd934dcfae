import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { openSecret, sealSecret, SecretDecryptError, secretHint } from './crypto.js';

const key = randomBytes(32);

describe('sealSecret / openSecret', () => {
  it('round-trips, including unicode and the empty string', () => {
    for (const s of ['sk-live-abcdef0123456789', 'ключ-🔑', '']) expect(openSecret(sealSecret(s, key), key)).toBe(s);
  });

  it('uses a fresh IV: the same secret seals differently every time and never appears in the token', () => {
    const a = sealSecret('sk-same-secret-value', key);
    const b = sealSecret('sk-same-secret-value', key);
    expect(a).not.toBe(b);
    expect(a.startsWith('v1:')).toBe(true);
    expect(a).not.toContain('sk-same');
    // iv(12) + tag(16) + ciphertext(20)
    expect(Buffer.from(a.slice(3), 'base64url').length).toBe(12 + 16 + 20);
  });

  it('detects tampering of the ciphertext, the tag and the IV', () => {
    const token = sealSecret('sk-tamper-me-please', key);
    const raw = Buffer.from(token.slice(3), 'base64url');
    for (const index of [0, 13, raw.length - 1]) {
      const bad = Buffer.from(raw);
      bad[index] = bad[index]! ^ 0x01;
      expect(() => openSecret('v1:' + bad.toString('base64url'), key)).toThrow(SecretDecryptError);
    }
  });

  it('refuses a wrong key, an unknown version, a truncated token and a bad key length', () => {
    const token = sealSecret('sk-key-check', key);
    expect(() => openSecret(token, randomBytes(32))).toThrow(SecretDecryptError);
    expect(() => openSecret('v2:' + token.slice(3), key)).toThrow(/version/);
    expect(() => openSecret('v1:AAAA', key)).toThrow(/truncated/);
    expect(() => sealSecret('x', randomBytes(16))).toThrow(RangeError);
  });
});

describe('secretHint', () => {
  it('shows the last 4 characters of long secrets only', () => {
    expect(secretHint('sk-proj-abcdefgh1234')).toBe('1234');
    expect(secretHint('short-key')).toBeNull();
  });
});
