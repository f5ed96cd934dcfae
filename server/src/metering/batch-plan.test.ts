import { describe, expect, it } from 'vitest';
import { chargeFor, dedupeInBatch, loserOutcome, usageRowValues, USAGE_COLUMNS } from './batch-plan.js';
import type { PreparedEvent } from './prepared-event.js';
import { usageEvent } from '../../test/metering/support.js';

const prep = (requestId: string, hash: string, cost = 5n): PreparedEvent => ({
  event: usageEvent({ requestId }),
  cost,
  priceId: 'prc_1',
  multiplierPpm: 1_000_000n,
  attribution: null,
  hash,
});

describe('batch plan', () => {
  it('keeps the first copy of a request id and classifies the rest', () => {
    const r = dedupeInBatch([prep('a', 'h1'), prep('b', 'h2'), prep('a', 'h1'), prep('a', 'hX')]);
    expect(r.winners).toEqual([0, 1]);
    expect(r.losers).toEqual([
      { index: 2, winner: 0, sameContent: true },
      { index: 3, winner: 0, sameContent: false },
    ]);
    expect(loserOutcome('accepted', true)).toBe('duplicate');
    expect(loserOutcome('duplicate', true)).toBe('duplicate');
    expect(loserOutcome('conflict', true)).toBe('conflict');
    expect(loserOutcome('accepted', false)).toBe('conflict');
  });

  it('charges wallet → revenue under the idempotency key usage:<requestId>', () => {
    const c = chargeFor(prep('req_9', 'h', 123n));
    expect(c.idempotencyKey).toBe('usage:req_9');
    expect(c.kind).toBe('usage_charge');
    expect(c.postings).toEqual([
      { account: 'wallet:ten_a', amount: -123n },
      { account: 'platform:revenue', amount: 123n },
    ]);
    expect(c.postings.reduce((s, p) => s + p.amount, 0n)).toBe(0n);
  });

  it('lays a row out in column order', () => {
    const row = usageRowValues(prep('req_1', 'hh', 9n), 'use_1', 42);
    expect(row).toHaveLength(USAGE_COLUMNS.length);
    const byCol = Object.fromEntries(USAGE_COLUMNS.map((c, i) => [c, row[i]]));
    expect(byCol).toMatchObject({
      id: 'use_1',
      request_id: 'req_1',
      cost: 9n,
      total_tokens: 1500,
      stream: 0,
      content_hash: 'hh',
      created_at: 42,
    });
  });
});
