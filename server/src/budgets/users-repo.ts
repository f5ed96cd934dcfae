// The few facts about users and tenants the budget routes need, read straight from the identity
// tables (the budgets module is composed without the identity module's services).
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { toBig } from '../db/database.js';

export interface BudgetUser {
  id: string;
  tenantId: string | null;
  email: string;
  status: string;
  /** The tenant's status (null: no tenant, e.g. a platform admin): only 'active' tenants spend. */
  tenantStatus: string | null;
}

/** By Tollgate user id, or by email (seed 003 callers know users by email). */
export async function findUser(db: Kysely<Database>, idOrEmail: string): Promise<BudgetUser | null> {
  const q = db
    .selectFrom('users')
    .leftJoin('tenants', 'tenants.id', 'users.tenant_id')
    .select(['users.id', 'users.tenant_id', 'users.email', 'users.status', 'tenants.status as tenant_status']);
  const row = idOrEmail.includes('@')
    ? await q.where('users.email', '=', idOrEmail.trim().toLowerCase()).executeTakeFirst()
    : await q.where('users.id', '=', idOrEmail).executeTakeFirst();
  return row
    ? {
        id: row.id,
        tenantId: row.tenant_id,
        email: row.email,
        status: row.status,
        tenantStatus: row.tenant_status,
      }
    : null;
}

/** A tenant the admin API may name: a deleted one is not found (as in the money routes). */
export async function tenantExists(db: Kysely<Database>, tenantId: string): Promise<boolean> {
  const row = await db
    .selectFrom('tenants')
    .select('id')
    .where('id', '=', tenantId)
    .where('status', '!=', 'deleted')
    .executeTakeFirst();
  return !!row;
}

/** What the wallet can still cover: balance (+ credit limit when postpaid) − reserved. */
export async function walletAvailable(db: Kysely<Database>, tenantId: string): Promise<bigint> {
  const w = await db
    .selectFrom('wallets')
    .select(['balance', 'reserved', 'mode', 'credit_limit'])
    .where('tenant_id', '=', tenantId)
    .executeTakeFirst();
  if (!w) return 0n;
  return toBig(w.balance) + (w.mode === 'postpaid' ? toBig(w.credit_limit) : 0n) - toBig(w.reserved);
}
