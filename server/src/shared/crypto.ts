// AES-256-GCM for secrets at rest (provider API keys). A sealed value is a versioned text token:
// `v1:` + base64url(iv[12] ‖ tag[16] ‖ ciphertext). The version prefix lets a later key rotation
// or algorithm change coexist with stored rows; the auth tag makes any tampering a hard failure.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const VERSION = 'v1:';
const IV_BYTES = 12;
const TAG_BYTES = 16;

export class SecretDecryptError extends Error {}

function checkKey(key: Buffer): void {
  if (key.length !== 32) throw new RangeError('AES-256-GCM needs a 32-byte key');
}

/** Encrypt `plaintext` with a fresh random IV; the same input never gives the same token twice. */
export function sealSecret(plaintext: string, key: Buffer): string {
  checkKey(key);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return VERSION + Buffer.concat([iv, cipher.getAuthTag(), ct]).toString('base64url');
}

/** Decrypt a token from sealSecret; throws SecretDecryptError on a wrong key or tampered data. */
export function openSecret(token: string, key: Buffer): string {
  checkKey(key);
  if (!token.startsWith(VERSION)) throw new SecretDecryptError('unknown secret format version');
  const raw = Buffer.from(token.slice(VERSION.length), 'base64url');
  if (raw.length < IV_BYTES + TAG_BYTES) throw new SecretDecryptError('sealed secret is truncated');
  const iv = raw.subarray(0, IV_BYTES);
  const tag = raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES);
  const ct = raw.subarray(IV_BYTES + TAG_BYTES);
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, iv);
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(ct), decipher.final()]).toString('utf8');
  } catch {
    throw new SecretDecryptError('sealed secret failed authentication (wrong key or tampered data)');
  }
}

/** The last characters of a secret that an API may show to help recognise it (never more than 4). */
export function secretHint(plaintext: string): string | null {
  // Short secrets would be half-revealed by their last 4 characters: show nothing then.
  return plaintext.length >= 12 ? plaintext.slice(-4) : null;
}
