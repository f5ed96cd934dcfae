// Reservation and lease lifecycles with a ManualClock: expiry of forgotten reservations, sweeping
// of dead holders' leases, renewal while in use, return of idle leases only after metering
// recorded their spends, late spends on swept leases, period rollover, refusal codes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScopeRef } from '../../src/budgets/ports.js';
import { ManualClock } from '../../src/shared/clock.js';
import { newId } from '../../src/shared/ids.js';
import { createTestDb, eachDialect, type TestDb } from '../support/db.js';
import { activeLeases, counterOf, defineBudget, ledgerOf, meter, services, topUp, walletOf } from './harness.js';

const USD = 1_000_000_000n;

eachDialect('budget lifecycles', (dialect) => {
  let db: TestDb;
  beforeAll(async () => {
    db = await createTestDb(dialect);
  });
  afterAll(async () => db.close());

  async function tenantWithBudget(limit: bigint, period: 'monthly' | 'total' = 'monthly') {
    const tenant = newId('ten');
    const key = await defineBudget(db, 'tenant', tenant, tenant, limit, period);
    const scope: ScopeRef = { kind: 'tenant', id: tenant };
    return { tenant, key, scope };
  }

  it('a forgotten reservation expires and its money comes back', async () => {
    const clock = new ManualClock();
    const p = services(db, clock, 'h-exp', { lease: 30, reservation: 60 });
    const { tenant, key, scope } = await tenantWithBudget(10n * USD);
    expect(
      (await p.budgets.reserve({ requestId: 'r-forgot', tenantId: tenant, scopes: [scope], amount: 10n * USD })).ok,
    ).toBe(true);
    expect((await p.budgets.reserve({ requestId: 'r-2', tenantId: tenant, scopes: [scope], amount: USD })).ok).toBe(
      false,
    );
    clock.advance(61_000);
    await p.budgets.tick();
    expect(p.budgets.stats().reservations).toBe(0);
    expect(
      (await p.budgets.reserve({ requestId: 'r-3', tenantId: tenant, scopes: [scope], amount: 10n * USD })).ok,
    ).toBe(true);
    // A late settle of the expired one still names its scopes but no lease: charged directly.
    expect(p.budgets.settle('r-forgot', USD)).toEqual({ scopes: [scope], leases: {} });
    p.budgets.release('r-3');
    await p.budgets.close();
    expect(await counterOf(db, key)).toEqual({ spent: 0n, reserved: 0n });
  });

  it('takes the next slice in the background at three quarters used: a steady stream never waits for it', async () => {
    const clock = new ManualClock();
    const p = services(db, clock, 'h-prefetch');
    const { tenant, key, scope } = await tenantWithBudget(1000n * USD);
    const take = p.store.take.bind(p.store);
    let takes = 0;
    p.store.take = (req) => {
      takes++;
      return take(req);
    };
    const reserve = (i: number) =>
      p.budgets.reserve({ requestId: `r-pf-${i}`, tenantId: tenant, scopes: [scope], amount: USD });
    // The first slice is 16 calls' worth; the 13th hold leaves a quarter or less of it free.
    for (let i = 1; i <= 12; i++) expect((await reserve(i)).ok).toBe(true);
    expect(takes).toBe(1);
    expect((await reserve(13)).ok).toBe(true);
    expect(takes).toBe(2); // started by the hold itself, not awaited by it
    await p.budgets.drain();
    expect(p.budgets.stats().leases).toBe(2);
    // The rest of the first slice, then the second one: no caller goes to the database.
    for (let i = 14; i <= 20; i++) expect((await reserve(i)).ok).toBe(true);
    expect(takes).toBe(2);
    const charges = Array.from({ length: 20 }, (_, i) => {
      const requestId = `r-pf-${i + 1}`;
      return { requestId, tenantId: tenant, amount: USD / 2n, attribution: p.budgets.settle(requestId, USD / 2n) };
    });
    await meter(db, ledgerOf(db, clock), p, charges, clock.now());
    await p.budgets.close();
    expect(await counterOf(db, key)).toEqual({ spent: 10n * USD, reserved: 0n });
  });

  it("a dead holder's lease is swept after it expires; a live holder's lease is renewed", async () => {
    const clock = new ManualClock();
    const { tenant, key, scope } = await tenantWithBudget(1000n * USD);
    const dead = services(db, clock, 'h-dead');
    const live = services(db, clock, 'h-live');
    expect((await dead.budgets.reserve({ requestId: 'd-1', tenantId: tenant, scopes: [scope], amount: USD })).ok).toBe(
      true,
    );
    expect((await live.budgets.reserve({ requestId: 'l-1', tenantId: tenant, scopes: [scope], amount: USD })).ok).toBe(
      true,
    );
    const held = (await counterOf(db, key)).reserved;
    expect(held).toBe(32n * USD); // two slices of 16 requests
    // The live holder ticks every 10 s (its stream is still running); the dead one never does.
    for (let i = 0; i < 5; i++) {
      clock.advance(10_000);
      await live.budgets.tick();
    }
    expect((await counterOf(db, key)).reserved).toBe(16n * USD);
    expect(await activeLeases(db, key)).toBe(1);
    const attribution = live.budgets.settle('l-1', USD);
    await meter(
      db,
      ledgerOf(db, clock),
      live,
      [{ requestId: 'l-1', tenantId: tenant, amount: USD, attribution }],
      clock.now(),
    );
    await live.budgets.close();
    expect(await counterOf(db, key)).toEqual({ spent: USD, reserved: 0n });
    expect(await activeLeases(db, key)).toBe(0);
  });

  it('an idle lease goes back only after metering recorded its spends (or after a grace period)', async () => {
    const clock = new ManualClock();
    const { tenant, key, scope } = await tenantWithBudget(1000n * USD);
    const p = services(db, clock, 'h-idle');
    await p.budgets.reserve({ requestId: 'i-1', tenantId: tenant, scopes: [scope], amount: USD });
    const attribution = p.budgets.settle('i-1', USD / 2n);
    clock.advance(31_000);
    await p.budgets.tick();
    expect(await activeLeases(db, key)).toBe(1); // spend not recorded yet: keep the lease
    await meter(
      db,
      ledgerOf(db, clock),
      p,
      [{ requestId: 'i-1', tenantId: tenant, amount: USD / 2n, attribution }],
      clock.now(),
    );
    await p.budgets.tick();
    expect(await activeLeases(db, key)).toBe(0);
    expect(await counterOf(db, key)).toEqual({ spent: USD / 2n, reserved: 0n });

    // Never recorded: given up on after 2 × TTL so the slice cannot be stranded forever.
    await p.budgets.reserve({ requestId: 'i-2', tenantId: tenant, scopes: [scope], amount: USD });
    p.budgets.settle('i-2', USD);
    clock.advance(61_000);
    await p.budgets.tick();
    expect(await activeLeases(db, key)).toBe(0);
    expect((await counterOf(db, key)).reserved).toBe(0n);
    await p.budgets.close();
  });

  it('a spend recorded after its lease was swept counts as spent without touching reserved', async () => {
    const clock = new ManualClock();
    const { tenant, key, scope } = await tenantWithBudget(1000n * USD);
    const crashed = services(db, clock, 'h-crash');
    await crashed.budgets.reserve({ requestId: 'c-1', tenantId: tenant, scopes: [scope], amount: USD });
    const attribution = crashed.budgets.settle('c-1', 3n * USD);
    clock.advance(40_000);
    const sweeper = services(db, clock, 'h-sweeper');
    await sweeper.budgets.tick();
    expect(await counterOf(db, key)).toEqual({ spent: 0n, reserved: 0n });
    await meter(
      db,
      ledgerOf(db, clock),
      sweeper,
      [{ requestId: 'c-1', tenantId: tenant, amount: 3n * USD, attribution }],
      clock.now(),
    );
    expect(await counterOf(db, key)).toEqual({ spent: 3n * USD, reserved: 0n });
  });

  it('a call costing more than reserved is spent in full; reserved returns to zero', async () => {
    const clock = new ManualClock();
    const { tenant, key, scope } = await tenantWithBudget(10n * USD);
    const p = services(db, clock, 'h-over');
    await p.budgets.reserve({ requestId: 'o-1', tenantId: tenant, scopes: [scope], amount: USD });
    const attribution = p.budgets.settle('o-1', 2n * USD);
    await meter(
      db,
      ledgerOf(db, clock),
      p,
      [{ requestId: 'o-1', tenantId: tenant, amount: 2n * USD, attribution }],
      clock.now(),
    );
    await p.budgets.close();
    expect(await counterOf(db, key)).toEqual({ spent: 2n * USD, reserved: 0n });
  });

  it('a monthly budget starts fresh on the 1st (UTC)', async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 31, 23, 0, 0));
    const { tenant, scope } = await tenantWithBudget(5n * USD);
    const p = services(db, clock, 'h-month');
    expect(
      (await p.budgets.reserve({ requestId: 'm-1', tenantId: tenant, scopes: [scope], amount: 5n * USD })).ok,
    ).toBe(true);
    const attribution = p.budgets.settle('m-1', 5n * USD);
    await meter(
      db,
      ledgerOf(db, clock),
      p,
      [{ requestId: 'm-1', tenantId: tenant, amount: 5n * USD, attribution }],
      clock.now(),
    );
    expect((await p.budgets.reserve({ requestId: 'm-2', tenantId: tenant, scopes: [scope], amount: USD })).ok).toBe(
      false,
    );
    clock.set(Date.UTC(2026, 1, 1, 0, 0, 1));
    expect(
      (await p.budgets.reserve({ requestId: 'm-3', tenantId: tenant, scopes: [scope], amount: 5n * USD })).ok,
    ).toBe(true);
    p.budgets.release('m-3');
    await p.budgets.close();
  });

  it('refuses with the code of the scope that cannot cover the call, all-or-nothing', async () => {
    const clock = new ManualClock();
    const tenant = newId('ten');
    const user = newId('usr');
    const ledger = ledgerOf(db, clock);
    await topUp(ledger, tenant, 100n * USD, `t-${tenant}`, clock.now());
    await defineBudget(db, 'tenant', tenant, tenant, 50n * USD);
    await defineBudget(db, 'user', tenant, user, 20n * USD);
    await defineBudget(db, 'agent', tenant, 'bot', 10n * USD);
    const p = services(db, clock, 'h-codes');
    const wallet: ScopeRef = { kind: 'wallet', id: tenant };
    const scopes: Record<string, ScopeRef> = {
      insufficient_balance: wallet,
      budget_exceeded: { kind: 'tenant', id: tenant },
      user_budget_exceeded: { kind: 'user', id: user },
      key_budget_exceeded: { kind: 'key', id: 'key_x', limit: 5n * USD, period: 'daily' },
      agent_budget_exceeded: { kind: 'agent', id: `${tenant}/bot` },
    };
    const over: Record<string, bigint> = {
      insufficient_balance: 101n * USD,
      budget_exceeded: 51n * USD,
      user_budget_exceeded: 21n * USD,
      key_budget_exceeded: 6n * USD,
      agent_budget_exceeded: 11n * USD,
    };
    for (const [code, scope] of Object.entries(scopes)) {
      const r = await p.budgets.reserve({
        requestId: `x-${code}`,
        tenantId: tenant,
        scopes: [wallet, scope],
        amount: over[code]!,
      });
      expect(r.ok).toBe(false);
      if (!r.ok) expect([r.error.code, r.error.status]).toEqual([code, 402]);
    }
    // Nothing stayed reserved by the refused attempts.
    await p.budgets.close();
    expect((await walletOf(db, tenant)).reserved).toBe(0n);
    expect(await activeLeases(db, `wallet:${tenant}`)).toBe(0);
  });

  describe('idempotency and release', () => {
    it('reserving the same request id twice holds the money once; release gives it back', async () => {
      const clock = new ManualClock();
      const { tenant, key, scope } = await tenantWithBudget(2n * USD, 'total');
      const p = services(db, clock, 'h-idem');
      expect(
        (await p.budgets.reserve({ requestId: 'same', tenantId: tenant, scopes: [scope], amount: 2n * USD })).ok,
      ).toBe(true);
      expect(
        (await p.budgets.reserve({ requestId: 'same', tenantId: tenant, scopes: [scope], amount: 2n * USD })).ok,
      ).toBe(true);
      expect(p.budgets.stats().reservations).toBe(1);
      p.budgets.release('same');
      expect(
        (await p.budgets.reserve({ requestId: 'other', tenantId: tenant, scopes: [scope], amount: 2n * USD })).ok,
      ).toBe(true);
      p.budgets.release('other');
      await p.budgets.close();
      expect(await counterOf(db, key)).toEqual({ spent: 0n, reserved: 0n });
    });
  });
});
