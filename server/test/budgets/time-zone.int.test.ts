// Budget periods in the tenant's time zone (tenant settings `timezone`): the budget routes show
// the local reset, metering counts spend in the local day's counter, and an unknown zone is refused.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { inlineCounter } from '../../src/budgets/counter-ref.js';
import type { GatewayCaller } from '../../src/identity/ports.js';
import { ManualClock } from '../../src/shared/clock.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { eachDialect } from '../support/db.js';
import { bearer, world } from '../identity/helpers.js';
import { counterOf, ledgerOf, meter, topUp } from './harness.js';

const USD = 1_000_000_000n;
const at = (iso: string) => Date.parse(iso);

eachDialect('budget periods in the tenant time zone', (dialect) => {
  let t: TestApp;
  let w: Awaited<ReturnType<typeof world>>;
  // 14:55 UTC on March 10th is 23:55 in Tokyo (UTC+9): the last minutes of the local day.
  const clock = new ManualClock(at('2026-03-10T14:55:00Z'));
  beforeAll(async () => {
    t = await createTestApp(dialect, {}, { clock });
    w = await world(t);
    await topUp(ledgerOf(t.db, clock), w.a.id, 100n * USD, `tz-topup-${w.a.id}`, clock.now());
  });
  afterAll(async () => t.close());

  const call = (method: 'GET' | 'PUT' | 'PATCH', url: string, payload?: object) =>
    t.app.inject({ method, url, headers: bearer(w.adminA.token), ...(payload ? { payload } : {}) });
  const tenantBudget = async () => {
    const res = await call('GET', '/api/v1/budgets');
    expect(res.statusCode, res.body).toBe(200);
    return tenantBudgetOf(res.json());
  };
  const tenantBudgetOf = (body: { budgets: { scope_key: string; spent: string; resets_at: string }[] }) =>
    body.budgets.find((b) => b.scope_key === `tenant:${w.a.id}`)!;

  it('refuses a zone name the runtime does not know, naming the field', async () => {
    const res = await call('PATCH', '/api/v1/tenant', { settings: { timezone: 'Mars/Olympus_Mons' } });
    expect(res.statusCode, res.body).toBe(400);
    expect(res.body).toContain('timezone');
    expect((await t.identity.tenants.getById(w.a.id))?.settings['timezone']).toBeUndefined();
  });

  it('a daily budget resets at local midnight and counts spend in the local day', async () => {
    expect((await call('PATCH', '/api/v1/tenant', { settings: { timezone: 'Asia/Tokyo' } })).statusCode).toBe(200);
    const put = await call('PUT', '/api/v1/budgets', { scope: 'tenant', limit: '10', period: 'daily' });
    expect(put.statusCode, put.body).toBe(200);
    // Next reset: Tokyo midnight = 15:00 UTC the same day (in UTC it would be March 11th 00:00).
    expect(put.json().budget.resets_at).toBe('2026-03-10T15:00:00.000Z');

    const attribution = { scopes: [{ kind: 'tenant' as const, id: w.a.id }], leases: {} };
    await meter(
      t.db,
      ledgerOf(t.db, clock),
      t.budgets,
      [{ requestId: 'tz-1', tenantId: w.a.id, amount: USD, attribution }],
      clock.now(),
    );
    // The counter row is the local day's: it started at 2026-03-10 00:00 JST = 2026-03-09 15:00 UTC.
    const row = await t.db.kysely
      .selectFrom('budget_counters')
      .select(['period_start', 'spent'])
      .where('scope_key', '=', `tenant:${w.a.id}`)
      .execute();
    expect(row.map((r) => [Number(r.period_start), BigInt(r.spent)])).toEqual([[at('2026-03-09T15:00:00Z'), USD]]);
    expect((await tenantBudget()).spent).toBe('1.00');

    // 15:05 UTC is 00:05 on March 11th in Tokyo: a new period, though in UTC it is still March 10th.
    clock.set(at('2026-03-10T15:05:00Z'));
    const next = await tenantBudget();
    expect(next.spent).toBe('0.00');
    expect(next.resets_at).toBe('2026-03-11T15:00:00.000Z');
    await meter(
      t.db,
      ledgerOf(t.db, clock),
      t.budgets,
      [{ requestId: 'tz-2', tenantId: w.a.id, amount: 2n * USD, attribution }],
      clock.now(),
    );
    expect((await tenantBudget()).spent).toBe('2.00');
    expect((await counterOf(t.db, `tenant:${w.a.id}`)).spent).toBe(3n * USD);
  });

  it("an API key's own budget follows the zone it is given", () => {
    const scope = { kind: 'key' as const, id: 'key_x', limit: USD, period: 'daily' as const };
    const now = at('2026-03-10T15:30:00Z');
    expect(inlineCounter(scope, now).periodStart).toBe(at('2026-03-10T00:00:00Z'));
    expect(inlineCounter({ ...scope, timeZone: 'Asia/Tokyo' }, now).periodStart).toBe(at('2026-03-10T15:00:00Z'));
    // The gateway gives a key's scope its tenant's zone.
    const caller = {
      key: { id: 'key_x', budget: USD, budgetPeriod: 'daily' },
      tenant: { id: w.a.id, settings: { timezone: 'Asia/Tokyo' } },
      user: { id: w.userA.id },
    } as unknown as GatewayCaller;
    expect(t.budgets.budgets.scopesFor(caller).find((s) => s.kind === 'key')).toEqual({
      ...scope,
      timeZone: 'Asia/Tokyo',
    });
  });
});
