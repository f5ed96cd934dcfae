import { describe, expect, it } from 'vitest';
import { newId, newIds } from './ids.js';

describe('ids', () => {
  it('are prefixed, 26 characters after the prefix, from the base32 alphabet', () => {
    expect(newId('ten')).toMatch(/^ten_[0-9a-hjkmnp-tv-z]{26}$/);
  });

  it('sort by creation time across milliseconds', () => {
    const a = newId('req', 1_700_000_000_000);
    const b = newId('req', 1_700_000_000_001);
    const c = newId('req', 1_800_000_000_000);
    expect([c, a, b].sort()).toEqual([a, b, c]);
  });

  it('do not repeat, across many pool refills and within one millisecond', () => {
    const ids = new Set<string>();
    for (let i = 0; i < 20_000; i++) ids.add(newId('key', 1_700_000_000_000));
    for (const id of newIds(
      'txn',
      Array.from({ length: 1000 }, () => 1_700_000_000_000),
    ))
      ids.add(id);
    expect(ids.size).toBe(21_000);
  });
});
