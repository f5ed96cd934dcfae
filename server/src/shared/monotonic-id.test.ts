import { describe, expect, it } from 'vitest';
import { incrementId, nextId } from './monotonic-id.js';

describe('monotonic ids', () => {
  it('sort in creation order within one millisecond and across a clock step back', () => {
    const ids = [...Array(200)].map((_, i) => nextId('aud', i < 100 ? 5_000 : 4_000));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(200);
  });

  it('carry into the next character', () => {
    expect(incrementId('aud_0000000000000000000000000z')).toBe('aud_00000000000000000000000010');
  });
});
