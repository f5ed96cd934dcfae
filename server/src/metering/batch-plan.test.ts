import { describe, expect, it } from 'vitest';
import { chargesFor, dedupeInBatch, loserOutcome, usageRowValues, USAGE_COLUMNS } from './batch-plan.js';
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

  it('charges one transaction per tenant: a wallet line per call (its request id) and one revenue line', () => {
    const a1 = prep('req_1', 'h', 123n);
    const b1 = { ...prep('req_2', 'h', 7n), event: usageEvent({ requestId: 'req_2', tenantId: 'ten_b' }) };
    const a2 = prep('req_3', 'h', 100n);
    const txnIds = new Map([
      ['ten_a', 'txn_a'],
      ['ten_b', 'txn_b'],
    ]);
    const [a, b] = chargesFor([a1, b1, a2], txnIds, 99);
    expect(a).toEqual({
      id: 'txn_a',
      idempotencyKey: 'usage-batch:req_1',
      kind: 'usage_charge',
      tenantId: 'ten_a',
      postings: [
        { account: 'wallet:ten_a', amount: -123n, reference: 'req_1' },
        { account: 'wallet:ten_a', amount: -100n, reference: 'req_3' },
        { account: 'platform:revenue', amount: 223n },
      ],
      memo: 'usage: 2 calls',
      at: 99,
    });
    expect(b!.postings).toEqual([
      { account: 'wallet:ten_b', amount: -7n, reference: 'req_2' },
      { account: 'platform:revenue', amount: 7n },
    ]);
    expect(b!.memo).toBe('usage: 1 call');
    for (const c of [a!, b!]) expect(c.postings.reduce((s, p) => s + p.amount, 0n)).toBe(0n);
  });

  it('lays a row out in column order', () => {
    const row = usageRowValues(prep('req_1', 'hh', 9n), 'use_1', 42, 'txn_1');
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
      transaction_id: 'txn_1',
    });
  });
});
