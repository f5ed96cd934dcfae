// Test helpers for the budgets area: budget services over a test database (one or several
// "processes"), definitions, wallet top-ups through the real ledger, and a metering-batch stand-in
// that writes the charge and the spend in one transaction like the metering pipeline does.
import pino from 'pino';
import { createBudgetServices, type BudgetServiceParts } from '../../src/budgets/module.js';
import { budgetScopeKey } from '../../src/budgets/budget-admin.js';
import type { SpendAttribution, SpendRecorder } from '../../src/budgets/ports.js';
import { openDb, toBig, type Db } from '../../src/db/database.js';
import { createLedgerStore, type LedgerStore } from '../../src/ledger/ledger-store.js';
import { ACCOUNTS, walletAccount } from '../../src/ledger/ports.js';
import type { Clock } from '../../src/shared/clock.js';
import type { TestDb } from '../support/db.js';

export const silent = pino({ level: 'silent' });

export function services(
  db: Db,
  clock: Clock,
  holder: string,
  ttl = { lease: 30, reservation: 900 },
): BudgetServiceParts {
  return createBudgetServices(
    { db, clock, log: silent },
    { leaseTtlSeconds: ttl.lease, reservationTtlSeconds: ttl.reservation, holder },
  );
}

/** Another connection (pool) to the same database: a second "process" (PostgreSQL only). */
export function reopen(db: TestDb): Db {
  if (db.dialect === 'sqlite') return db; // one connection per file in-process: see README
  return openDb({ url: db.url, pgSchema: db.pgSchema!, poolSize: 5 });
}

export async function defineBudget(
  db: Db,
  kind: 'tenant' | 'user' | 'agent',
  tenantId: string,
  subject: string,
  limit: bigint,
  period: 'daily' | 'weekly' | 'monthly' | 'total' = 'monthly',
): Promise<string> {
  const key = budgetScopeKey(kind, tenantId, subject);
  await db.kysely
    .insertInto('budgets')
    .values({
      scope_key: key,
      kind,
      tenant_id: tenantId,
      subject,
      limit_nano: limit,
      period,
      reset_at: 0,
      created_at: 0,
      updated_at: 0,
    })
    .execute();
  return key;
}

export function ledgerOf(db: Db, clock: Clock): LedgerStore {
  return createLedgerStore(db, { currency: 'USD', now: () => clock.now() });
}

export async function topUp(
  ledger: LedgerStore,
  tenantId: string,
  amount: bigint,
  key: string,
  at: number,
): Promise<void> {
  await ledger.post({
    idempotencyKey: key,
    kind: 'top_up',
    tenantId,
    postings: [
      { account: walletAccount(tenantId), amount },
      { account: ACCOUNTS.paymentClearing, amount: -amount },
    ],
    at,
  });
}

export interface Charge {
  requestId: string;
  tenantId: string;
  amount: bigint;
  attribution: SpendAttribution;
}

/** What a metering batch does: the ledger charges and recordSpend, in ONE transaction. */
export async function meter(
  db: Db,
  ledger: LedgerStore,
  parts: { spend: SpendRecorder },
  charges: readonly Charge[],
  at: number,
): Promise<void> {
  await db.kysely.transaction().execute(async (trx) => {
    const inputs = charges
      .filter((c) => c.amount > 0n)
      .map((c) => ({
        idempotencyKey: `usage:${c.requestId}`,
        kind: 'usage_charge' as const,
        tenantId: c.tenantId,
        postings: [
          { account: walletAccount(c.tenantId), amount: -c.amount },
          { account: ACCOUNTS.revenue, amount: c.amount },
        ],
        reference: c.requestId,
        at,
      }));
    if (inputs.length > 0) await ledger.postBatch(inputs, trx);
    await parts.spend.recordSpend(
      trx,
      charges.map((c) => ({ tenantId: c.tenantId, amount: c.amount, at, attribution: c.attribution })),
    );
  });
}

export async function counterOf(db: Db, scopeKey: string): Promise<{ spent: bigint; reserved: bigint }> {
  const rows = await db.kysely
    .selectFrom('budget_counters')
    .select(['spent', 'reserved'])
    .where('scope_key', '=', scopeKey)
    .execute();
  return rows.reduce((a, r) => ({ spent: a.spent + toBig(r.spent), reserved: a.reserved + toBig(r.reserved) }), {
    spent: 0n,
    reserved: 0n,
  });
}

export async function walletOf(db: Db, tenantId: string): Promise<{ balance: bigint; reserved: bigint }> {
  const w = await db.kysely
    .selectFrom('wallets')
    .select(['balance', 'reserved'])
    .where('tenant_id', '=', tenantId)
    .executeTakeFirst();
  return { balance: toBig(w?.balance), reserved: toBig(w?.reserved) };
}

export async function activeLeases(db: Db, scopePrefix = ''): Promise<number> {
  const rows = await db.kysely
    .selectFrom('budget_leases')
    .select('id')
    .where('status', '=', 'active')
    .where('scope_key', 'like', `${scopePrefix}%`)
    .execute();
  return rows.length;
}
