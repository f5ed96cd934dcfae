// Ids that sort in creation order even within one millisecond (lists page "newest first" by id).
// shared/ids.ts gives `<prefix>_<10 time chars><16 random chars>` in Crockford base32; two ids of
// the same millisecond compare by their random part, so here a same-or-earlier id is replaced by
// the previous one plus one (ULID's monotonic rule), per prefix, within this process.
import { newId, type IdPrefix } from './ids.js';

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';
const last = new Map<IdPrefix, string>();

/** Base32 increment of the id's body; the time part absorbs a carry (practically never). */
export function incrementId(id: string): string {
  const cut = id.indexOf('_') + 1;
  const chars = id.slice(cut).split('');
  for (let i = chars.length - 1; i >= 0; i--) {
    const v = ALPHABET.indexOf(chars[i]!);
    if (v < 31) {
      chars[i] = ALPHABET[v + 1]!;
      return id.slice(0, cut) + chars.join('');
    }
    chars[i] = '0';
  }
  throw new RangeError('id space exhausted');
}

export function nextId(prefix: IdPrefix, nowMs: number): string {
  const prev = last.get(prefix);
  let id = newId(prefix, nowMs);
  if (prev !== undefined && id <= prev) id = incrementId(prev);
  last.set(prefix, id);
  return id;
}
