import { describe, expect, it } from 'vitest';
import { MAX_SLICE_UNITS, MIN_SLICE_UNITS, nextSliceUnits, sliceAmount, sliceThreshold } from './slice-policy.js';

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

  it('keeps the size for slow but fully used slices', () => {
    expect(nextSliceUnits(16, 20_000, 0, 30_000)).toBe(16);
  });
});
