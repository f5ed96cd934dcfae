// Ids: prefixed and time-sortable (`ten_…`, `usr_…`, `key_…`, `req_…`). 48 bits of milliseconds
// in Crockford base32 followed by 80 random bits, so ids sort by creation time.
import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

export type IdPrefix =
  | 'ten'
  | 'usr'
  | 'key'
  | 'req'
  | 'aud'
  | 'inv'
  | 'txn'
  | 'pst'
  | 'prc'
  | 'res'
  | 'use'
  | 'prv'
  | 'mdl'
  | 'dep'
  | 'bud'
  | 'lea'
  | 'ses'
  | 'prd'
  | 'evt';

function encodeTime(ms: number): string {
  let out = '';
  for (let i = 0; i < 10; i++) {
    out = ALPHABET[ms % 32]! + out;
    ms = Math.floor(ms / 32);
  }
  return out;
}

function encodeRandom(bytes: Buffer): string {
  let out = '';
  for (const b of bytes) out += ALPHABET[b & 31];
  return out;
}

export function newId(prefix: IdPrefix, nowMs: number = Date.now()): string {
  return `${prefix}_${encodeTime(nowMs)}${encodeRandom(randomBytes(16))}`;
}

/** Many ids at once (one random read for the lot): batch writers such as the ledger's postBatch. */
export function newIds(prefix: IdPrefix, nowMs: readonly number[]): string[] {
  const random = randomBytes(16 * nowMs.length);
  return nowMs.map((ms, i) => `${prefix}_${encodeTime(ms)}${encodeRandom(random.subarray(i * 16, i * 16 + 16))}`);
}
