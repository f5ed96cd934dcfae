// The metering pipeline against real SQLite and PostgreSQL with the real ledger and price catalog:
// charging, idempotency, conflicts, refusals, free models, poison events, versioned prices.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { listTransactions, recomputeBalances } from '../../src/ledger/ledger-queries.js';
import { ACCOUNTS, walletAccount, type Ledger } from '../../src/ledger/ports.js';
import { AppError } from '../../src/shared/errors.js';
import { parseMoney } from '../../src/shared/money.js';
import { eachDialect } from '../support/db.js';
import { createHarness, rawPrice, T0, usageChargeLines, usageEvent, type Harness } from './support.js';

/** Ledger charge lines of the call; each one must sit in the usage charge its record names. */
async function usageTxnCount(h: Harness, requestId: string): Promise<number> {
  const lines = await usageChargeLines(h.db.kysely, requestId);
  const rec = await recordOf(h, requestId);
  for (const l of lines) expect(l.transaction_id).toBe(rec?.transaction_id);
  return lines.length;
}

async function recordOf(h: Harness, requestId: string) {
  return h.db.kysely.selectFrom('usage_records').selectAll().where('request_id', '=', requestId).executeTakeFirst();
}

eachDialect('metering pipeline', (dialect) => {
  let h: Harness;
  beforeEach(async () => {
    h = await createHarness(dialect);
  });
  afterEach(async () => h.close());

  it('records, charges the wallet and credits revenue exactly once', async () => {
    const e = usageEvent({ agent: 'helper', metadata: { b: 1, a: 'x' } });
    expect(await h.pipeline.ingest({ event: e })).toBe('accepted');
    const rec = await recordOf(h, e.requestId);
    // 1000 × 2.50/M + 500 × 10.00/M = 0.0075
    expect(rec?.cost).toBe(7_500_000n);
    expect(rec?.total_tokens).toBe(1500n);
    expect(rec?.price_id).toBe('prc_gpt-4o_0');
    expect(rec?.multiplier_ppm).toBe(1_000_000n);
    expect(rec?.source).toBe('gateway');
    expect(JSON.parse(rec!.metadata!)).toEqual({ a: 'x', b: 1 });
    expect(await h.ledger.balance(walletAccount('ten_a'))).toBe(-7_500_000n);
    expect(await h.ledger.balance(ACCOUNTS.revenue)).toBe(7_500_000n);
    expect(await usageTxnCount(h, e.requestId)).toBe(1);
    // External events carry no lease: the spend hits every scope that applies directly.
    expect(h.spends).toHaveLength(1);
    expect(h.spends[0]!.amount).toBe(7_500_000n);
    expect(h.spends[0]!.attribution.scopes.map((s) => `${s.kind}:${s.id}`)).toEqual([
      'wallet:ten_a',
      'tenant:ten_a',
      'user:usr_a',
      'key:key_a',
      'agent:ten_a/helper',
    ]);
  });

  it('charges a batch as one usage_charge per tenant; the history shows it netted, with its call count', async () => {
    const events = [usageEvent(), usageEvent(), usageEvent({ tenantId: 'ten_b' }), usageEvent()];
    const outcomes = await Promise.all(events.map((e) => h.pipeline.ingest({ event: e })));
    expect(outcomes).toEqual(['accepted', 'accepted', 'accepted', 'accepted']);
    const page = await listTransactions(h.db.kysely, { tenantId: 'ten_a', kind: 'usage_charge', limit: 10 });
    expect(page.items).toHaveLength(1);
    const txn = page.items[0]!.txn;
    expect(txn.memo).toBe('usage: 3 calls');
    expect(txn.postings).toEqual([
      { account: walletAccount('ten_a'), amount: -3n * 7_500_000n },
      { account: ACCOUNTS.revenue, amount: 3n * 7_500_000n },
    ]);
    // Each call: its own line, in the transaction its record names.
    for (const e of events.filter((x) => x.tenantId === 'ten_a')) {
      expect(await usageTxnCount(h, e.requestId)).toBe(1);
      expect((await recordOf(h, e.requestId))?.transaction_id).toBe(txn.id);
    }
    const other = await listTransactions(h.db.kysely, { tenantId: 'ten_b', kind: 'usage_charge', limit: 10 });
    expect(other.items.map((t) => t.txn.memo)).toEqual(['usage: 1 call']);
    expect((await recomputeBalances(h.db.kysely)).ok).toBe(true);
  });

  it('passes the gateway attribution (leases) through to the spend recorder', async () => {
    const attribution = {
      scopes: [{ kind: 'key' as const, id: 'key_a', limit: 5n }],
      leases: { 'key:key_a': 'lea_1' },
    };
    await h.pipeline.ingest({
      event: usageEvent({ cost: '42' }),
      attribution,
      priceId: 'prc_gw',
      multiplierPpm: 1_250_000n,
    });
    expect(h.spends[0]!.attribution).toEqual(attribution);
    expect(h.spends[0]!.amount).toBe(42n);
  });

  it('counts the same event once, from any source, and rejects a conflicting replay', async () => {
    const e = usageEvent();
    const outcomes = await Promise.all(Array.from({ length: 10 }, () => h.pipeline.ingest({ event: e })));
    expect(outcomes.filter((o) => o === 'accepted')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'duplicate')).toHaveLength(9);
    // Later, in another batch, from another source: still the same call.
    expect(await h.pipeline.ingest({ event: { ...e, source: 'http', endedAt: e.endedAt + 5 } })).toBe('duplicate');
    expect(await h.pipeline.ingest({ event: { ...e, completionTokens: 501 } })).toBe('conflict');
    // A conflict inside one batch: the first copy wins, the other is rejected.
    const f = usageEvent();
    const [a, b] = await Promise.all([
      h.pipeline.ingest({ event: f }),
      h.pipeline.ingest({ event: { ...f, model: 'free-model' } }),
    ]);
    expect([a, b]).toEqual(['accepted', 'conflict']);
    expect(await usageTxnCount(h, e.requestId)).toBe(1);
    expect(await h.ledger.balance(walletAccount('ten_a'))).toBe(-15_000_000n);
    const count = await h.db.kysely
      .selectFrom('usage_records')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(count.n)).toBe(2);
  });

  it('refuses an unpriced model (model_not_priced) and stores nothing', async () => {
    const e = usageEvent({ model: 'mystery-model' });
    await expect(h.pipeline.ingest({ event: e })).rejects.toMatchObject({ code: 'model_not_priced' });
    expect(() => h.pipeline.enqueue({ event: usageEvent({ model: 'mystery-model' }) })).toThrow(AppError);
    await h.pipeline.flush();
    expect(await recordOf(h, e.requestId)).toBeUndefined();
    // With an explicit cost the model needs no catalog price.
    expect(await h.pipeline.ingest({ event: { ...e, cost: '1000' } })).toBe('accepted');
    expect((await recordOf(h, e.requestId))?.cost).toBe(1000n);
  });

  it('records a free model at zero cost without a ledger transaction or spend', async () => {
    const e = usageEvent({ model: 'free-model' });
    expect(await h.pipeline.ingest({ event: e })).toBe('accepted');
    expect((await recordOf(h, e.requestId))?.cost).toBe(0n);
    expect(await usageTxnCount(h, e.requestId)).toBe(0);
    expect(h.spends).toHaveLength(0);
    const day = await h.db.kysely
      .selectFrom('daily_consumption')
      .selectAll()
      .where('model', '=', 'free-model')
      .executeTakeFirst();
    expect(day?.requests).toBe(1n);
    expect(day?.cost).toBe(0n);
  });

  it('a bad event in a batch does not sink the good ones', async () => {
    const good = Array.from({ length: 20 }, () => usageEvent());
    const results = await Promise.allSettled([
      ...good.map((e) => h.pipeline.ingest({ event: e })),
      h.pipeline.ingest({ event: usageEvent({ promptTokens: -1 }) }),
      h.pipeline.ingest({ event: usageEvent({ model: 'unpriced' }) }),
      h.pipeline.ingest({ event: usageEvent({ startedAt: T0 + 10, endedAt: T0 }) }),
    ]);
    expect(results.slice(0, 20).every((r) => r.status === 'fulfilled' && r.value === 'accepted')).toBe(true);
    const bad = results.slice(20).map((r) => (r.status === 'rejected' ? (r.reason as AppError).code : 'ok'));
    expect(bad).toEqual(['validation_error', 'model_not_priced', 'validation_error']);
    expect(await h.ledger.balance(walletAccount('ten_a'))).toBe(-20n * 7_500_000n);
  });

  it('pricing: each event is charged at the version in force at its time, cached tokens at the cached rate', async () => {
    const change = T0 + 60_000;
    h.catalog.replace(
      [
        rawPrice('m', '3.00', '15.00', 0, { cachedInputPerMTok: parseMoney('0.30') }),
        rawPrice('m', '2.00', '8.00', change, { cachedInputPerMTok: parseMoney('0.20') }),
      ],
      [],
    );
    const at = [change - 1, change, change + 1, change - 30_000];
    const events = at.map((t) =>
      usageEvent({
        model: 'm',
        startedAt: t,
        endedAt: t + 10,
        promptTokens: 1234,
        cachedTokens: 1000,
        completionTokens: 77,
      }),
    );
    // Interleaved in one stream of events, in one batch.
    await Promise.all(events.map((e) => h.pipeline.ingest({ event: e })));
    // old: 234 × 3.00 + 1000 × 0.30 + 77 × 15.00 = 702 + 300 + 1155 = 2157 µ-units → 2_157_000 nano
    // new: 234 × 2.00 + 1000 × 0.20 + 77 × 8.00  = 468 + 200 + 616  = 1284 µ-units → 1_284_000 nano
    const costs = await Promise.all(events.map(async (e) => (await recordOf(h, e.requestId))!));
    expect(costs.map((r) => [r.cost, r.price_id])).toEqual([
      [2_157_000n, 'prc_m_0'],
      [1_284_000n, `prc_m_${change}`],
      [1_284_000n, `prc_m_${change}`],
      [2_157_000n, 'prc_m_0'],
    ]);
    // Rounding: one token at 2.50/M = 0.0000025 → 2500 nano exactly; 1 token at 0.000000001/M rounds up to 1 nano.
    h.catalog.replace([rawPrice('tiny', '0.000000001', '0')], []);
    const t = usageEvent({ model: 'tiny', promptTokens: 1, completionTokens: 0 });
    await h.pipeline.ingest({ event: t });
    expect((await recordOf(h, t.requestId))?.cost).toBe(1n);
  });

  it('isolates a poison event with bisection and dead-letters it', async () => {
    const poison = usageEvent();
    const failing = (real: Ledger): Ledger => ({
      ...real,
      postBatch: async (inputs, trx) => {
        if (inputs.some((i) => i.postings.some((p) => p.reference === poison.requestId)))
          throw new Error('simulated per-event failure');
        return real.postBatch(inputs, trx);
      },
    });
    const hp = await createHarness(dialect, { ledger: failing });
    try {
      const good = Array.from({ length: 7 }, () => usageEvent());
      const all = [...good.slice(0, 3), poison, ...good.slice(3)];
      const results = await Promise.allSettled(all.map((e) => hp.pipeline.ingest({ event: e })));
      expect(results.map((r) => r.status)).toEqual([
        'fulfilled',
        'fulfilled',
        'fulfilled',
        'rejected',
        'fulfilled',
        'fulfilled',
        'fulfilled',
        'fulfilled',
      ]);
      expect(await hp.ledger.balance(walletAccount('ten_a'))).toBe(-7n * 7_500_000n);
      expect(await recordOf(hp, poison.requestId)).toBeUndefined();
      const dead = readFileSync(join(hp.dataDir, 'spool', 'dead-letter.jsonl'), 'utf8');
      expect(dead).toContain(poison.requestId);
    } finally {
      await hp.close();
    }
  });

  it('enqueue() is durable: a restarted pipeline replays the spool, and replays never double-count', async () => {
    const slow = h.restart({ batchSize: 100_000, flushMs: 60_000 });
    const events = Array.from({ length: 25 }, () => usageEvent());
    for (const e of events) slow.enqueue({ event: e });
    // Simulate kill -9: the first pipeline is never flushed; a new process starts on the same spool.
    const again = h.restart();
    const replayed = await again.replay();
    expect(replayed.events).toBe(25);
    expect(await h.ledger.balance(walletAccount('ten_a'))).toBe(-25n * 7_500_000n);
    // The dead process's segment is gone; a second replay finds nothing to do.
    expect((await h.restart().replay()).events).toBe(0);
    expect(existsSync(join(h.dataDir, 'spool'))).toBe(true);
  });

  it('after close(), events still land in the spool and the next start writes them', async () => {
    const p = h.restart();
    await p.close();
    const late = usageEvent();
    await expect(p.ingest({ event: late })).rejects.toMatchObject({ code: 'upstream_unavailable' });
    p.enqueue({ event: usageEvent() });
    expect(await recordOf(h, late.requestId)).toBeUndefined();
    expect((await h.restart().replay()).events).toBe(2);
    expect(await recordOf(h, late.requestId)).toBeDefined();
  });
});
