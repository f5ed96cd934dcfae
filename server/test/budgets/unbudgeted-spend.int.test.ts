// Gateway spend of scopes without a budget (tenant, user, agent) is still counted: a reservation
// attributes every scope it was asked for, with or without a lease, so metering counts the spend
// monthly and a budget set later in the month starts from what was already used. Covers the
// reservation paths (database, memory, expired, free calls) on both engines.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { scopeKey, type ScopeRef } from '../../src/budgets/ports.js';
import { ManualClock } from '../../src/shared/clock.js';
import { newId } from '../../src/shared/ids.js';
import { createTestDb, eachDialect, type TestDb } from '../support/db.js';
import { activeLeases, counterOf, defineBudget, ledgerOf, meter, services, topUp, walletOf } from './harness.js';

const USD = 1_000_000_000n;
const MARCH_3 = Date.UTC(2026, 2, 3, 10, 0, 0);

eachDialect('spend of scopes without a budget', (dialect) => {
  let db: TestDb;
  beforeAll(async () => {
    db = await createTestDb(dialect);
  });
  afterAll(async () => db.close());

  async function caller(clock: ManualClock) {
    const tenant = newId('ten');
    const user = newId('usr');
    await topUp(ledgerOf(db, clock), tenant, 10_000n * USD, `top:${tenant}`, clock.now());
    const scopes: ScopeRef[] = [
      { kind: 'wallet', id: tenant },
      { kind: 'tenant', id: tenant },
      { kind: 'user', id: user },
      { kind: 'agent', id: `${tenant}/bot` },
    ];
    return { tenant, user, scopes };
  }

  it('is attributed and counted, so a budget set on the 15th sees what was used since the 1st', async () => {
    const clock = new ManualClock(MARCH_3);
    const p = services(db, clock, 'h-unbudgeted');
    const { tenant, user, scopes } = await caller(clock);
    const take = p.store.take.bind(p.store);
    let takes = 0;
    p.store.take = (req) => {
      takes++;
      return take(req);
    };
    const reserve = (requestId: string, amount: bigint) =>
      p.budgets.reserve({ requestId, tenantId: tenant, scopes, amount });

    // The first call goes to the database (definitions, the wallet's slice); the second is served
    // from memory. Both must name every scope, with a lease for the wallet only.
    expect((await reserve('u-1', 50n * USD)).ok).toBe(true);
    expect((await reserve('u-2', 50n * USD)).ok).toBe(true);
    expect(takes).toBe(1);
    const charges = [
      { requestId: 'u-1', amount: 40n * USD },
      { requestId: 'u-2', amount: 5n * USD },
    ].map((c) => {
      const attribution = p.budgets.settle(c.requestId, c.amount);
      expect(attribution.scopes).toEqual(scopes);
      expect(Object.keys(attribution.leases)).toEqual([`wallet:${tenant}`]);
      return { ...c, tenantId: tenant, attribution };
    });
    await meter(db, ledgerOf(db, clock), p, charges, clock.now());
    for (const s of scopes.slice(1))
      expect(await counterOf(db, scopeKey(s))).toEqual({ spent: 45n * USD, reserved: 0n });

    // An admin sets a $50 monthly budget for the user on the 15th: $5 are left, not $50.
    clock.set(Date.UTC(2026, 2, 15, 9, 0, 0));
    const key = await defineBudget(db, 'user', tenant, user, 50n * USD);
    p.budgets.invalidate(key); // what 'budget.changed' does
    const over = await reserve('u-3', 10n * USD);
    expect(over.ok).toBe(false);
    if (!over.ok) expect([over.error.code, over.error.status]).toEqual(['user_budget_exceeded', 402]);
    expect((await reserve('u-4', 5n * USD)).ok).toBe(true);
    const last = p.budgets.settle('u-4', 5n * USD);
    expect(Object.keys(last.leases).sort()).toEqual([`user:${user}`, `wallet:${tenant}`]);
    await meter(
      db,
      ledgerOf(db, clock),
      p,
      [{ requestId: 'u-4', tenantId: tenant, amount: 5n * USD, attribution: last }],
      clock.now(),
    );
    await p.budgets.close();
    expect(await counterOf(db, key)).toEqual({ spent: 50n * USD, reserved: 0n });
    expect(await walletOf(db, tenant)).toEqual({ balance: 9_950n * USD, reserved: 0n });
    expect(await activeLeases(db, `wallet:${tenant}`)).toBe(0);
  });

  it('is attributed also for a settle after the reservation expired, and for free calls', async () => {
    const clock = new ManualClock(MARCH_3);
    const p = services(db, clock, 'h-unbudgeted-late', { lease: 30, reservation: 60 });
    const { tenant, scopes } = await caller(clock);
    expect((await p.budgets.reserve({ requestId: 'late', tenantId: tenant, scopes, amount: USD })).ok).toBe(true);
    clock.advance(61_000);
    await p.budgets.tick();
    expect(p.budgets.stats().reservations).toBe(0);
    const late = p.budgets.settle('late', USD);
    expect(late).toEqual({ scopes, leases: {} });

    expect((await p.budgets.reserve({ requestId: 'free', tenantId: tenant, scopes, amount: 0n })).ok).toBe(true);
    expect(p.budgets.settle('free', 0n)).toEqual({ scopes, leases: {} });

    await meter(
      db,
      ledgerOf(db, clock),
      p,
      [{ requestId: 'late', tenantId: tenant, amount: USD, attribution: late }],
      clock.now(),
    );
    await p.budgets.close();
    for (const s of scopes.slice(1)) expect(await counterOf(db, scopeKey(s))).toEqual({ spent: USD, reserved: 0n });
    expect(await walletOf(db, tenant)).toEqual({ balance: 9_999n * USD, reserved: 0n });
  });
});
