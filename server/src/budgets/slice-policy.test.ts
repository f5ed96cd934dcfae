import { describe, expect, it } from 'vitest';
import { MAX_AMOUNT } from '../shared/money.js';
import {
  fitsSlice,
  MAX_SLICE,
  MAX_SLICE_UNITS,
  MIN_SLICE_UNITS,
  nextSliceUnits,
  sliceAmount,
  sliceThreshold,
} from './slice-policy.js';

describe('slice policy', () => {
  it('sizes a slice in whole requests and keeps 8 slices of headroom', () => {
    expect(sliceAmount(7n, 16)).toBe(112n);
    expect(sliceThreshold(112n)).toBe(896n);
  });

  it('grows while slices are used up quickly and never beyond the cap', () => {
    expect(nextSliceUnits(16, 100, 0, 30_000)).toBe(32);
    expect(nextSliceUnits(MAX_SLICE_UNITS, 100, 0, 30_000)).toBe(MAX_SLICE_UNITS);
  });

  it('shrinks when slices come back mostly unused and never below the floor', () => {
    expect(nextSliceUnits(16, 30_000, 0.9, 30_000)).toBe(8);
    expect(nextSliceUnits(MIN_SLICE_UNITS, 30_000, 0.9, 30_000)).toBe(MIN_SLICE_UNITS);
  });

  it('caps a slice in whole requests so its 8-slice headroom stays within MAX_AMOUNT', () => {
    // 1e17 nano × 16 units × 8 slices = 1.28e19: past int64, the bound SQL value used to throw.
    const big = 10n ** 17n;
    expect(fitsSlice(big)).toBe(true);
    expect(sliceAmount(big, 16)).toBe(big); // one request's worth: 8 of them still fit
    expect(sliceThreshold(sliceAmount(big, 16))).toBeLessThanOrEqual(MAX_AMOUNT);
    const mid = 7n * 10n ** 15n;
    expect(sliceAmount(mid, 4096)).toBe(mid * 17n); // 17 × 7e15 ≤ 1.25e17 < 18 × 7e15
    for (const amount of [1n, 10n ** 12n, 7_200_000_000_000_001n / 16n, MAX_SLICE - 1n, MAX_SLICE])
      for (const units of [MIN_SLICE_UNITS, 16, MAX_SLICE_UNITS]) {
        const slice = sliceAmount(amount, units);
        expect(slice % amount).toBe(0n);
        expect(slice >= amount && slice <= MAX_SLICE).toBe(true);
        expect(sliceThreshold(slice)).toBeLessThanOrEqual(MAX_AMOUNT);
      }
    expect(sliceAmount(10n ** 9n, 16)).toBe(16n * 10n ** 9n); // ordinary requests: unchanged
  });

  it('leaves requests too large for a one-request slice to exact takes', () => {
    expect(fitsSlice(MAX_SLICE + 1n)).toBe(false);
    expect(fitsSlice(MAX_AMOUNT)).toBe(false);
    expect(() => sliceAmount(MAX_SLICE + 1n, 16)).toThrow(RangeError);
  });

  it('keeps the size for slow but fully used slices', () => {
    expect(nextSliceUnits(16, 20_000, 0, 30_000)).toBe(16);
  });
});
