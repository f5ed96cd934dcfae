// recordSpend aggregates a whole metering batch in memory (per caller, per counter, per period)
// and writes one upsert per counter. This checks the aggregate against a per-spend tally computed
// straight from the period rules, on both engines: defined budgets (daily, monthly with a manual
// reset inside the month), scopes without a budget (counted monthly), inline key budgets, shared
// and distinct-but-equal attribution objects, zero amounts, times across a month boundary.
import { afterEach, beforeEach, expect, it } from 'vitest';
import { calendarPeriodStart, currentPeriodStart } from '../../src/budgets/period.js';
import { scopeKey, type ScopeRef, type SpendAttribution } from '../../src/budgets/ports.js';
import { toBig, toNum } from '../../src/db/database.js';
import { ManualClock } from '../../src/shared/clock.js';
import { createTestDb, eachDialect, type TestDb } from '../support/db.js';
import { defineBudget, services } from './harness.js';
import { seededRandom } from '../support/seeded-random.js';

const FEB = Date.UTC(2026, 1, 1);
const DAY = 86_400_000;

eachDialect('recordSpend aggregation', (dialect) => {
  let db: TestDb;
  beforeEach(async () => {
    db = await createTestDb(dialect);
  });
  afterEach(async () => db.close());

  it('writes per counter exactly what a per-spend tally from the period rules gives', async () => {
    const seed = Number(process.env['SPEND_SEED'] ?? Date.now() % 1_000_000);
    const rnd = seededRandom(seed);
    const clock = new ManualClock(FEB);
    const parts = services(db, clock, 'h1');
    await defineBudget(db, 'tenant', 'ten_a', 'ten_a', 10n ** 15n, 'daily');
    await defineBudget(db, 'user', 'ten_a', 'usr_1', 10n ** 15n, 'monthly');
    // A manual reset of usr_1's budget on Feb 10th: later spends count in a new period.
    const resetAt = FEB + 9 * DAY + 3_600_000;
    await db.kysely.updateTable('budgets').set({ reset_at: resetAt }).where('scope_key', '=', 'user:usr_1').execute();

    const callers: ScopeRef[][] = [
      [
        { kind: 'wallet', id: 'ten_a' },
        { kind: 'tenant', id: 'ten_a' },
        { kind: 'user', id: 'usr_1' },
        { kind: 'key', id: 'key_1', limit: 10n ** 12n, period: 'weekly' },
      ],
      [
        { kind: 'wallet', id: 'ten_a' },
        { kind: 'tenant', id: 'ten_a' },
        { kind: 'user', id: 'usr_2' },
        { kind: 'agent', id: 'ten_a/writer' },
      ],
      [
        { kind: 'wallet', id: 'ten_b' },
        { kind: 'tenant', id: 'ten_b' },
        { kind: 'key', id: 'key_2' },
      ],
    ];
    const shared = callers.map((scopes): SpendAttribution => ({ scopes, leases: {} }));
    const spends = Array.from({ length: 400 }, () => {
      const c = Math.floor(rnd() * callers.length);
      // Half share one attribution object per caller (as metering does), half bring their own.
      const attribution = rnd() < 0.5 ? shared[c]! : { scopes: callers[c]!, leases: {} };
      const at = FEB - 3 * DAY + Math.floor(rnd() * 20 * DAY);
      const amount = rnd() < 0.05 ? 0n : BigInt(1 + Math.floor(rnd() * 1_000_000));
      return { tenantId: callers[c]![0]!.id, amount, at, attribution };
    });

    await db.kysely.transaction().execute((trx) => parts.spend.recordSpend(trx, spends));

    const expected = new Map<string, bigint>();
    for (const s of spends) {
      if (s.amount <= 0n) continue;
      for (const scope of s.attribution.scopes) {
        if (scope.kind === 'wallet') continue;
        const key = scopeKey(scope);
        let period: number;
        if (scope.limit !== undefined) period = calendarPeriodStart(scope.period ?? 'total', s.at);
        else if (key === 'tenant:ten_a') period = calendarPeriodStart('daily', s.at);
        else if (key === 'user:usr_1') period = currentPeriodStart('monthly', resetAt, s.at);
        else period = calendarPeriodStart('monthly', s.at);
        const k = `${key}@${period}`;
        expected.set(k, (expected.get(k) ?? 0n) + s.amount);
      }
    }
    const rows = await db.kysely.selectFrom('budget_counters').selectAll().execute();
    const actual = new Map(rows.map((r) => [`${r.scope_key}@${toNum(r.period_start)}`, toBig(r.spent)]));
    expect(actual, `seed ${seed}`).toEqual(expected);
    expect(rows.every((r) => toBig(r.reserved) === 0n)).toBe(true);
    // The reset really split usr_1's month in two, and the key's weeks and the tenant's days show up.
    expect([...actual.keys()].filter((k) => k.startsWith('user:usr_1@'))).toContain(`user:usr_1@${resetAt}`);
    expect([...actual.keys()].filter((k) => k.startsWith('tenant:ten_a@')).length).toBeGreaterThan(10);

    // A second batch adds to the same counters (upsert), it does not replace them.
    const again = spends.slice(0, 50);
    await db.kysely.transaction().execute((trx) => parts.spend.recordSpend(trx, again));
    const after = await db.kysely.selectFrom('budget_counters').selectAll().execute();
    const total = (rs: typeof rows) => rs.reduce((n, r) => n + toBig(r.spent), 0n);
    const added = again.reduce(
      (n, s) =>
        n + (s.amount > 0n ? s.amount * BigInt(s.attribution.scopes.filter((x) => x.kind !== 'wallet').length) : 0n),
      0n,
    );
    expect(total(after) - total(rows)).toBe(added);
  });
});
