// Reservations within MAX_AMOUNT but too large for a slice (16 requests' worth × 8 slices of
// headroom would pass int64, e.g. max_tokens 1e13 on a priced model): taken exactly when every
// scope can cover them, refused with the scope's 402 code when one cannot, never a storage error.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { scopeKey, type ScopeRef } from '../../src/budgets/ports.js';
import { MAX_SLICE } from '../../src/budgets/slice-policy.js';
import { ManualClock } from '../../src/shared/clock.js';
import { newId } from '../../src/shared/ids.js';
import { MAX_AMOUNT } from '../../src/shared/money.js';
import { createTestDb, eachDialect, type TestDb } from '../support/db.js';
import { activeLeases, counterOf, defineBudget, ledgerOf, meter, services, topUp, walletOf } from './harness.js';

const USD = 1_000_000_000n;
/** 16 × 8 × this passes int64 (≈ 9.22e18): the first amount that used to throw. */
const PAST_INT64 = 72_100_000_000_000_000n;

eachDialect('reservations too large for a slice', (dialect) => {
  let db: TestDb;
  beforeAll(async () => {
    db = await createTestDb(dialect);
  });
  afterAll(async () => db.close());

  async function caller(opts: { wallet: bigint; tenantLimit?: bigint }) {
    const clock = new ManualClock();
    const tenant = newId('ten');
    const user = newId('usr');
    await topUp(ledgerOf(db, clock), tenant, opts.wallet, `top:${tenant}`, clock.now());
    if (opts.tenantLimit !== undefined) await defineBudget(db, 'tenant', tenant, tenant, opts.tenantLimit);
    await defineBudget(db, 'user', tenant, user, MAX_AMOUNT);
    const scopes: ScopeRef[] = [
      { kind: 'wallet', id: tenant },
      { kind: 'tenant', id: tenant },
      { kind: 'user', id: user },
      { kind: 'key', id: newId('key'), limit: MAX_AMOUNT, period: 'monthly' },
      { kind: 'agent', id: `${tenant}/bot` },
    ];
    return { clock, tenant, scopes };
  }

  it('is taken exactly when every scope covers it, and settles back to zero reserved', async () => {
    const { clock, tenant, scopes } = await caller({ wallet: 900_000_000n * USD, tenantLimit: MAX_AMOUNT });
    const p = services(db, clock, 'h-large');
    // A small call first: the pool's slices must not be disturbed by the large ones.
    expect((await p.budgets.reserve({ requestId: 'small', tenantId: tenant, scopes, amount: USD })).ok).toBe(true);
    const amounts = [PAST_INT64, 10n ** 17n, MAX_SLICE + 1n, 4n * 10n ** 17n];
    for (const [i, amount] of amounts.entries()) {
      const r = await p.budgets.reserve({ requestId: `large-${i}`, tenantId: tenant, scopes, amount });
      expect(r.ok, `amount ${amount}`).toBe(true);
    }
    const charges = [
      { requestId: 'small', amount: USD / 2n },
      ...amounts.map((a, i) => ({ requestId: `large-${i}`, amount: a / 3n })),
    ].map((c) => ({ ...c, tenantId: tenant, attribution: p.budgets.settle(c.requestId, c.amount) }));
    const total = charges.reduce((s, c) => s + c.amount, 0n);
    await meter(db, ledgerOf(db, clock), p, charges, clock.now());
    await p.budgets.close();
    for (const s of scopes.slice(1)) expect(await counterOf(db, scopeKey(s))).toEqual({ spent: total, reserved: 0n });
    expect(await walletOf(db, tenant)).toEqual({ balance: 900_000_000n * USD - total, reserved: 0n });
    expect(await activeLeases(db, scopeKey(scopes[0]!))).toBe(0);
  });

  it('is refused with the 402 code of the scope that cannot cover it, holding nothing', async () => {
    const poor = await caller({ wallet: 1_000n * USD });
    const tight = await caller({ wallet: 900_000_000n * USD, tenantLimit: 1_000n * USD });
    const p = services(db, poor.clock, 'h-large-refused');
    const cases: [typeof poor, bigint, string][] = [
      [poor, PAST_INT64, 'insufficient_balance'],
      [poor, 10n ** 17n, 'insufficient_balance'],
      [poor, MAX_AMOUNT, 'insufficient_balance'],
      [poor, MAX_AMOUNT + 1n, 'insufficient_balance'],
      [poor, 10n ** 30n, 'insufficient_balance'],
      [tight, PAST_INT64, 'budget_exceeded'],
      [tight, 5n * 10n ** 17n, 'budget_exceeded'],
    ];
    for (const [i, [c, amount, code]] of cases.entries()) {
      const r = await p.budgets.reserve({ requestId: `refused-${i}`, tenantId: c.tenant, scopes: c.scopes, amount });
      expect(r.ok, `amount ${amount}`).toBe(false);
      if (!r.ok) expect([r.error.code, r.error.status], `amount ${amount}`).toEqual([code, 402]);
    }
    // The ordinary calls of the same callers still go through.
    for (const c of [poor, tight]) {
      expect(
        (await p.budgets.reserve({ requestId: `ok-${c.tenant}`, tenantId: c.tenant, scopes: c.scopes, amount: USD }))
          .ok,
      ).toBe(true);
      p.budgets.release(`ok-${c.tenant}`);
    }
    await p.budgets.close();
    for (const c of [poor, tight]) {
      expect((await walletOf(db, c.tenant)).reserved).toBe(0n);
      for (const s of c.scopes.slice(1)) expect((await counterOf(db, scopeKey(s))).reserved).toBe(0n);
      expect(await activeLeases(db, scopeKey(c.scopes[0]!))).toBe(0);
    }
  });
});
