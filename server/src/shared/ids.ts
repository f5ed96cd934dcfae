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

// Random bytes come from a pool refilled 4 KiB at a time: one crypto call per 256 ids instead of one
// per id (ids are minted on the gateway's hot path), and the time part is reused within a millisecond.
const POOL_SIZE = 4096;
let pool = randomBytes(POOL_SIZE);
let poolOffset = 0;
let lastMs = -1;
let lastTime = '';

export function newId(prefix: IdPrefix, nowMs: number = Date.now()): string {
  if (poolOffset + 16 > POOL_SIZE) {
    pool = randomBytes(POOL_SIZE);
    poolOffset = 0;
  }
  if (nowMs !== lastMs) {
    lastMs = nowMs;
    lastTime = encodeTime(nowMs);
  }
  const random = encodeRandom(pool.subarray(poolOffset, poolOffset + 16));
  poolOffset += 16;
  return `${prefix}_${lastTime}${random}`;
}

/** Many ids at once (one random read for the lot): batch writers such as the ledger's postBatch. */
export function newIds(prefix: IdPrefix, nowMs: readonly number[]): string[] {
  const random = randomBytes(16 * nowMs.length);
  return nowMs.map((ms, i) => `${prefix}_${encodeTime(ms)}${encodeRandom(random.subarray(i * 16, i * 16 + 16))}`);
}
