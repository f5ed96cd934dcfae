import { describe, expect, it } from 'vitest';
import { safeEqual, sha256Hex } from './crypto.js';

describe('safeEqual', () => {
  it('compares any lengths without throwing', () => {
    expect(safeEqual('abc', 'abc')).toBe(true);
    expect(safeEqual('abc', 'abcd')).toBe(false);
    expect(safeEqual('', 'x'.repeat(1000))).toBe(false);
  });
  it('sha256Hex is hex SHA-256', () => {
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});
