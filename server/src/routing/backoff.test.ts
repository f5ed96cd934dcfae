import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backoffSchedule, retryDelayMs } from './backoff.js';

const opts = { baseMs: 100, maxMs: 2_000 };

describe('retryDelayMs', () => {
  it('grows exponentially between half the cap and the cap', () => {
    expect(backoffSchedule(6, () => 0, opts)).toEqual([50, 100, 200, 400, 800, 1000]);
    expect(backoffSchedule(6, () => 0.999999, opts)).toEqual([99, 199, 399, 799, 1599, 1999]);
  });

  it('always lies within [cap/2, cap) for any attempt and random value', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 100 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (attempt, r) => {
          const cap = Math.min(opts.maxMs, opts.baseMs * 2 ** attempt);
          const d = retryDelayMs(attempt, () => r, opts);
          return d >= Math.floor(cap / 2) && d <= cap;
        },
      ),
    );
  });

  it('honours Retry-After up to the cap', () => {
    expect(retryDelayMs(0, () => 0, opts, 700)).toBe(700);
    expect(retryDelayMs(0, () => 0, opts, 60_000)).toBe(2_000);
    expect(retryDelayMs(3, () => 0.5, opts, 10)).toBe(600);
  });

  it('an empty schedule for zero retries', () => {
    expect(backoffSchedule(0, Math.random, opts)).toEqual([]);
  });
});
