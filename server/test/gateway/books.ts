// The books of one tenant after a gateway run, reconciled exactly against its usage records (the
// chaos and the crash tests): every ledger transaction sums to zero, the usage_charge wallet lines
// are the records one for one, the wallet holds top-up − Σ cost with nothing reserved, the budget
// counters' spent is Σ cost of their scope with nothing reserved, no lease is left active, and the
// rollups kept per batch equal a from-scratch recompute and add up to the records.
import type { Kysely } from 'kysely';
import { expect } from 'vitest';
import type { DialectName } from '../../src/db/database.js';
import type { Database } from '../../src/db/schema.js';
import { walletAccount } from '../../src/ledger/ports.js';
import { recomputeRollups } from '../../src/metering/rollup-store.js';

export interface BilledRecord {
  request_id: string;
  transaction_id: string | null;
  cost: bigint;
  key_id: string | null;
}

/** Both rollup tables, rows in a canonical order. */
export async function rollupTables(db: Kysely<Database>) {
  const sorted = <T extends object>(rows: T[]) =>
    rows.sort((a, b) => (Object.values(a).join('|') < Object.values(b).join('|') ? -1 : 1));
  return {
    daily: sorted(await db.selectFrom('daily_consumption').selectAll().execute()),
    monthly: sorted(await db.selectFrom('monthly_consumption').selectAll().execute()),
  };
}

export const walletRow = (db: Kysely<Database>, tenantId: string) =>
  db.selectFrom('wallets').select(['balance', 'reserved']).where('tenant_id', '=', tenantId).executeTakeFirstOrThrow();

/**
 * Assert the tenant's books match `records` (all of the tenant's usage records). `keyScopes`: key
 * ids whose budget counter must have spent exactly the Σ cost of their records.
 */
export async function expectBooksReconcile(
  db: Kysely<Database>,
  dialect: DialectName,
  o: { tenantId: string; topUp: bigint; records: readonly BilledRecord[]; keyScopes: readonly string[] },
): Promise<void> {
  const { tenantId, topUp, records } = o;
  const total = records.reduce((a, r) => a + r.cost, 0n);

  // Ledger: every transaction balances; one wallet line per charged call, equal to its cost.
  const postings = await db
    .selectFrom('ledger_postings as p')
    .innerJoin('ledger_transactions as t', 't.id', 'p.transaction_id')
    .select(['p.transaction_id', 'p.account', 'p.amount', 'p.reference', 't.kind'])
    .where('t.tenant_id', '=', tenantId)
    .execute();
  const sums = new Map<string, bigint>();
  for (const p of postings) sums.set(p.transaction_id, (sums.get(p.transaction_id) ?? 0n) + p.amount);
  expect(
    [...sums].filter(([, s]) => s !== 0n),
    'unbalanced transactions',
  ).toEqual([]);
  const wallet = walletAccount(tenantId);
  const chargeLines = postings.filter((p) => p.kind === 'usage_charge' && p.account === wallet);
  expect(
    chargeLines.map((p) => [p.reference, p.transaction_id, -p.amount]).sort(),
    'usage_charge wallet lines ↔ usage records',
  ).toEqual(
    records
      .filter((r) => r.cost > 0n)
      .map((r) => [r.request_id, r.transaction_id, r.cost])
      .sort(),
  );

  // The wallet: top-up minus what was charged, never below zero, nothing reserved.
  const w = await walletRow(db, tenantId);
  const walletSum = postings.filter((p) => p.account === wallet).reduce((a, p) => a + p.amount, 0n);
  expect({ balance: w.balance, ledger: walletSum, reserved: w.reserved }).toEqual({
    balance: topUp - total,
    ledger: topUp - total,
    reserved: 0n,
  });
  expect(w.balance).toBeGreaterThanOrEqual(0n);

  // Budget counters and leases: spent = Σ cost of the scope; nothing reserved, nothing held.
  const counters = await db.selectFrom('budget_counters').selectAll().execute();
  const spentOf = (key: string) => counters.filter((c) => c.scope_key === key).reduce((a, c) => a + c.spent, 0n);
  expect(
    counters.filter((c) => c.reserved !== 0n),
    'counters with money reserved',
  ).toEqual([]);
  const costOfKey = (id: string) => records.filter((r) => r.key_id === id).reduce((a, r) => a + r.cost, 0n);
  expect({
    tenant: spentOf(`tenant:${tenantId}`),
    ...Object.fromEntries(o.keyScopes.map((id) => [id, spentOf(`key:${id}`)])),
  }).toEqual({ tenant: total, ...Object.fromEntries(o.keyScopes.map((id) => [id, costOfKey(id)])) });
  expect(await db.selectFrom('budget_leases').select('id').where('status', '=', 'active').execute()).toEqual([]);

  // Rollups kept per batch = a from-scratch recompute, and they add up to the records.
  const incremental = await rollupTables(db);
  await recomputeRollups(db, dialect);
  expect(await rollupTables(db)).toEqual(incremental);
  expect(incremental.monthly.reduce((a, r) => a + r.cost, 0n)).toBe(total);
  expect(incremental.daily.reduce((a, r) => a + r.requests, 0n)).toBe(BigInt(records.length));
}
