// Rollups maintained incrementally per batch must equal a from-scratch recomputation from the raw
// usage records, after a randomized load (tenants, users, keys, agents, models, days, duplicates).
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Kysely } from 'kysely';
import type { Database } from '../../src/db/schema.js';
import { recomputeRollups } from '../../src/metering/rollup-store.js';
import { eachDialect } from '../support/db.js';
import { createHarness, rawPrice, T0, usageEvent, type Harness } from './support.js';
import { seededRandom } from '../support/seeded-random.js';

async function snapshot(db: Kysely<Database>) {
  const daily = await db
    .selectFrom('daily_consumption')
    .selectAll()
    .orderBy(['tenant_id', 'day', 'user_id', 'key_id', 'agent', 'model'])
    .execute();
  const monthly = await db
    .selectFrom('monthly_consumption')
    .selectAll()
    .orderBy(['tenant_id', 'month', 'user_id', 'key_id', 'agent', 'model'])
    .execute();
  return { daily, monthly };
}

eachDialect('metering rollups', (dialect) => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness(dialect, {
      batchSize: 97,
      prices: [
        rawPrice('a', '1.10', '3.30'),
        rawPrice('b', '0.15', '0.60'),
        rawPrice('c', '0', '0', 0, { free: true }),
      ],
    });
  });
  afterAll(async () => h.close());

  it('equal a from-scratch recomputation after a randomized load', async () => {
    const seed = Number(process.env['ROLLUP_SEED'] ?? Date.now() % 1_000_000);
    const rnd = seededRandom(seed);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
    const DAY = 86_400_000;
    const sent = [];
    for (let i = 0; i < 1500; i++) {
      // Days straddle a month boundary; times include the last millisecond of a day.
      const day = Math.floor(rnd() * 40) - 20;
      const startedAt = T0 + day * DAY + pick([0, 1, 43_199_999, 11 * 3_600_000 + 59 * 60_000]);
      const e = usageEvent({
        tenantId: pick(['ten_a', 'ten_b', 'ten_c']),
        userId: pick(['usr_1', 'usr_2', 'usr_3', null]),
        keyId: pick(['key_1', 'key_2', null]),
        agent: pick(['writer', 'coder', null]),
        model: pick(['a', 'b', 'c']),
        promptTokens: Math.floor(rnd() * 50_000),
        completionTokens: Math.floor(rnd() * 8_000),
        reasoningTokens: 0,
        startedAt,
        endedAt: startedAt + 500,
      });
      e.cachedTokens = Math.floor(rnd() * (e.promptTokens + 1));
      sent.push(e);
      h.pipeline.enqueue({ event: e });
      // Replays of earlier events must not move any rollup.
      if (rnd() < 0.1) h.pipeline.enqueue({ event: pick(sent) });
    }
    await h.pipeline.flush();

    const incremental = await snapshot(h.db.kysely);
    expect(incremental.daily.length).toBeGreaterThan(50);
    await recomputeRollups(h.db.kysely, h.db.dialect);
    const recomputed = await snapshot(h.db.kysely);
    expect(recomputed, `seed ${seed}`).toEqual(incremental);

    // And both agree with an independent tally of what was sent.
    const total = sent.reduce((n, e) => n + e.promptTokens + e.completionTokens, 0);
    const sum = incremental.daily.reduce((n, r) => n + r.total_tokens, 0n);
    expect(sum).toBe(BigInt(total));
    expect(incremental.daily.reduce((n, r) => n + r.requests, 0n)).toBe(BigInt(sent.length));
    const costs = await h.db.kysely.selectFrom('usage_records').select('cost').execute();
    expect(incremental.monthly.reduce((n, r) => n + r.cost, 0n)).toBe(costs.reduce((n, r) => n + r.cost, 0n));
  });
});
