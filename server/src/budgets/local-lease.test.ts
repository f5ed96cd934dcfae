import { describe, expect, it } from 'vitest';
import { LocalLease } from './local-lease.js';

const lease = (amount: bigint, exact = false) =>
  new LocalLease({ id: 'lea_1', scopeKey: 'tenant:t', periodStart: 0, amount, exact, createdAt: 0, expiresAt: 30_000 });

describe('local lease bookkeeping', () => {
  it('hands out holds until the slice is used up, never beyond', () => {
    const l = lease(100n);
    expect(l.tryHold(40n, 1)).toBe(true);
    expect(l.tryHold(40n, 1)).toBe(true);
    expect(l.tryHold(40n, 1)).toBe(false);
    expect(l.free()).toBe(20n);
  });

  it('settling keeps the actual cost and frees the rest', () => {
    const l = lease(100n);
    l.tryHold(60n, 1);
    l.settle(60n, 25n, 2);
    expect(l.free()).toBe(75n);
    expect(l.spent).toBe(25n);
    expect(l.idle()).toBe(true);
  });

  it('an actual above the reservation eats into free room, and free never goes negative', () => {
    const l = lease(100n);
    l.tryHold(90n, 1);
    l.settle(90n, 130n, 2);
    expect(l.free()).toBe(0n);
    expect(l.tryHold(1n, 3)).toBe(false);
  });

  it('unhold returns a hold untouched', () => {
    const l = lease(100n);
    l.tryHold(100n, 1);
    l.unhold(100n);
    expect(l.free()).toBe(100n);
    expect(l.idle()).toBe(true);
  });

  it('is not usable when exact, closing, or within the margin of its expiry', () => {
    expect(lease(10n, true).usable(0, 1000)).toBe(false);
    const l = lease(10n);
    expect(l.usable(0, 1000)).toBe(true);
    expect(l.usable(29_500, 1000)).toBe(false);
    l.closing = true;
    expect(l.usable(0, 1000)).toBe(false);
  });
});
