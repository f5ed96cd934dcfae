// How big a slice a process takes from a shared budget counter (pure).
//
// Slices are measured in "requests": a slice is `units × amount of the request that asked`. A
// process starts small and doubles its slice while slices are used up quickly (hot scope: fewer
// database round trips), and halves it when a slice went back mostly unused (cold scope: less money
// parked in one process). A slice is only taken while the counter still holds EXACT_AFTER_SLICES
// slices or more (checked atomically by the UPDATE itself); below that the process switches to
// exact-size takes so parked slices can never cause false refusals on a nearly spent budget.
// A slice never passes MAX_SLICE, so its headroom (8 slices) and every amount a take binds stay
// within MAX_AMOUNT and the 64-bit columns; a request larger than that gets exact takes only.
import { MAX_AMOUNT } from '../shared/money.js';

export const MIN_SLICE_UNITS = 4;
export const MAX_SLICE_UNITS = 4096;
/** Take slices only while the remaining budget is at least this many slices. */
export const EXACT_AFTER_SLICES = 8n;
/** The largest slice: its threshold (EXACT_AFTER_SLICES of them) is at most MAX_AMOUNT. */
export const MAX_SLICE = MAX_AMOUNT / EXACT_AFTER_SLICES;

/** Whether a request of this amount may be served from a slice at all (else: exact takes only). */
export function fitsSlice(requestAmount: bigint): boolean {
  return requestAmount > 0n && requestAmount <= MAX_SLICE;
}

/** `units` requests' worth, fewer whole requests where that would pass MAX_SLICE. Needs fitsSlice. */
export function sliceAmount(requestAmount: bigint, units: number): bigint {
  const slice = requestAmount * BigInt(units);
  if (slice <= MAX_SLICE) return slice;
  if (!fitsSlice(requestAmount)) throw new RangeError(`no slice fits a request of ${requestAmount}`);
  return requestAmount * (MAX_SLICE / requestAmount);
}

/** The smallest remaining budget at which a slice may still be taken. */
export function sliceThreshold(slice: bigint): bigint {
  return slice * EXACT_AFTER_SLICES;
}

/**
 * The next slice size after a lease ended or was used up.
 * `lifetimeMs`: how long the slice lasted; `unusedFraction`: 0..1 of it returned unused.
 */
export function nextSliceUnits(units: number, lifetimeMs: number, unusedFraction: number, ttlMs: number): number {
  if (unusedFraction <= 0.05 && lifetimeMs < ttlMs / 4) return Math.min(MAX_SLICE_UNITS, units * 2);
  if (unusedFraction > 0.5) return Math.max(MIN_SLICE_UNITS, Math.floor(units / 2));
  return units;
}
