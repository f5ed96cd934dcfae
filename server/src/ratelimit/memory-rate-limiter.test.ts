import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { MemoryRateLimiter } from './memory-rate-limiter.js';
import { rateLimiterContract } from './rate-limiter.contract.js';

rateLimiterContract('in-process', () => new MemoryRateLimiter());

describe('in-process rate limiter', () => {
  const T0 = Date.UTC(2026, 0, 15, 12, 0, 0);

  it('evicts idle subjects so memory stays bounded', () => {
    const rl = new MemoryRateLimiter({ maxEntries: 1000, sweepEvery: 100 });
    for (let i = 0; i < 50_000; i++) rl.check([{ subject: `key:${i}`, rpm: 60, tpm: null }], 0, T0 + i * 10);
    expect(rl.size()).toBeLessThanOrEqual(1000);
  });

  it('never admits more than the burst plus the refill over any span (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 30 }),
        fc.array(fc.integer({ min: 0, max: 5_000 }), { minLength: 1, maxLength: 300 }),
        (limit, gaps) => {
          const rl = new MemoryRateLimiter();
          const admitted: number[] = [];
          let t = T0;
          for (const g of gaps) {
            t += g;
            if (rl.check([{ subject: 'key:p', rpm: limit, tpm: null }], 0, t).allowed) admitted.push(t);
          }
          // GCRA with burst = limit: admissions i..j (j−i+1 of them) need (j−i+1−limit) intervals.
          const interval = 60_000 / limit;
          for (let i = 0; i < admitted.length; i++)
            for (let j = i; j < admitted.length; j++)
              expect(j - i + 1).toBeLessThanOrEqual(
                limit + Math.floor((admitted[j]! - admitted[i]!) / interval + 1e-9),
              );
        },
      ),
    );
  });
});
