// Storage adapter for budgets (both dialects): definitions, the shared per-period counters, the
// wallets' `reserved` column and leases. Money leaves a counter ONLY through one conditional
// UPDATE (`… SET reserved = reserved + x WHERE limit - spent - reserved >= need`), never by
// reading and then writing, so concurrent processes can never take more than the limit.
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../db/schema.js';
import { toBig, toNum } from '../db/database.js';
import { newId } from '../shared/ids.js';
import type { BudgetPeriod } from '../identity/ports.js';
import type { LeaseRow } from './local-lease.js';
import { tenantTimeZone, UTC } from './period.js';
import type { ScopeKind } from './ports.js';

type Q = Kysely<Database> | Transaction<Database>;

const NOT_ACTIVE = Symbol('lease not active');

export interface BudgetDefinition {
  scopeKey: string;
  kind: 'tenant' | 'user' | 'agent';
  tenantId: string | null;
  subject: string;
  limit: bigint;
  period: BudgetPeriod;
  resetAt: number;
  /** The calendar periods' time zone: the tenant's (settings.timezone), UTC without one. */
  timeZone: string;
}

/** Where a scope's money is counted: the wallets row, or a (scope, period) counter row. */
export interface CounterRef {
  kind: ScopeKind;
  scopeKey: string;
  /** wallet: the tenant id. */
  tenantId: string;
  periodStart: number;
  /** Inline limit (key budgets); absent = the limit is read from `budgets` inside the UPDATE. */
  inlineLimit?: bigint;
}

export interface TakeRequest {
  counter: CounterRef;
  amount: bigint;
  /** The remaining budget must be at least this much for the take to happen (≥ amount). */
  minRemaining: bigint;
  holder: string;
  exact: boolean;
  now: number;
  ttlMs: number;
}

export function rowToDefinition(r: {
  scope_key: string;
  kind: string;
  tenant_id: string | null;
  subject: string;
  limit_nano: unknown;
  period: string;
  reset_at: unknown;
  /** The owning tenant's settings JSON (joined), for its time zone. */
  tenant_settings?: string | null;
}): BudgetDefinition {
  return {
    scopeKey: r.scope_key,
    kind: r.kind as BudgetDefinition['kind'],
    tenantId: r.tenant_id,
    subject: r.subject,
    limit: toBig(r.limit_nano),
    period: r.period as BudgetPeriod,
    resetAt: toNum(r.reset_at),
    timeZone: r.tenant_settings ? tenantTimeZone(parseSettings(r.tenant_settings)) : UTC,
  };
}

function parseSettings(text: string): Record<string, unknown> | null {
  try {
    const v: unknown = JSON.parse(text);
    return v && typeof v === 'object' ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** Budget rows with their tenant's settings (the time zone of their periods). */
export const selectDefinitions = (q: Q) =>
  q
    .selectFrom('budgets')
    .leftJoin('tenants', 'tenants.id', 'budgets.tenant_id')
    .selectAll('budgets')
    .select('tenants.settings as tenant_settings');

export class BudgetStore {
  constructor(readonly db: Kysely<Database>) {}

  async definition(scopeKey: string, q: Q = this.db): Promise<BudgetDefinition | null> {
    const r = await selectDefinitions(q).where('budgets.scope_key', '=', scopeKey).executeTakeFirst();
    return r ? rowToDefinition(r) : null;
  }

  /** Many definitions at once (metering's recordSpend loads a batch's misses with one query). */
  async definitions(scopeKeys: readonly string[], q: Q = this.db): Promise<Map<string, BudgetDefinition>> {
    const out = new Map<string, BudgetDefinition>();
    for (let i = 0; i < scopeKeys.length; i += 500) {
      const rows = await selectDefinitions(q)
        .where('budgets.scope_key', 'in', scopeKeys.slice(i, i + 500))
        .execute();
      for (const r of rows) out.set(r.scope_key, rowToDefinition(r));
    }
    return out;
  }

  /** Take `amount` from the counter and record it as a lease, atomically; null = not enough left. */
  async take(req: TakeRequest): Promise<LeaseRow | null> {
    const { counter, amount, minRemaining } = req;
    return this.db.transaction().execute(async (trx) => {
      if (counter.kind !== 'wallet') await this.ensureCounter(trx, counter.scopeKey, counter.periodStart);
      const taken = await this.reserveOnCounter(trx, counter, amount, minRemaining);
      if (!taken) return null;
      const row: LeaseRow = {
        id: newId('lea', req.now),
        scopeKey: counter.scopeKey,
        periodStart: counter.periodStart,
        amount,
        exact: req.exact,
        createdAt: req.now,
        expiresAt: req.now + req.ttlMs,
      };
      await trx
        .insertInto('budget_leases')
        .values({
          id: row.id,
          scope_key: row.scopeKey,
          period_start: row.periodStart,
          holder: req.holder,
          amount,
          used: 0n,
          status: 'active',
          exact: req.exact ? 1n : 0n,
          created_at: row.createdAt,
          expires_at: row.expiresAt,
        })
        .execute();
      return row;
    });
  }

  async ensureCounter(q: Q, scopeKey: string, periodStart: number): Promise<void> {
    await q
      .insertInto('budget_counters')
      .values({ scope_key: scopeKey, period_start: periodStart, spent: 0n, reserved: 0n })
      .onConflict((oc) => oc.columns(['scope_key', 'period_start']).doNothing())
      .execute();
  }

  /** THE atomic take: one conditional UPDATE; true when the counter had `minRemaining` left. */
  private async reserveOnCounter(q: Q, c: CounterRef, amount: bigint, minRemaining: bigint): Promise<boolean> {
    if (c.kind === 'wallet') {
      // Postpaid wallets may go below zero down to -credit_limit; prepaid ones never.
      const r = await sql<{ tenant_id: string }>`
        update wallets set reserved = reserved + ${amount}
        where tenant_id = ${c.tenantId}
          and balance + (case when mode = 'postpaid' then credit_limit else 0 end) - reserved >= ${minRemaining}
        returning tenant_id`.execute(q);
      return r.rows.length === 1;
    }
    const limit =
      c.inlineLimit !== undefined
        ? sql`${c.inlineLimit}`
        : sql`(select b.limit_nano from budgets b where b.scope_key = ${c.scopeKey})`;
    const r = await sql<{ scope_key: string }>`
      update budget_counters set reserved = reserved + ${amount}
      where scope_key = ${c.scopeKey} and period_start = ${c.periodStart}
        and ${limit} - spent - reserved >= ${minRemaining}
      returning scope_key`.execute(q);
    return r.rows.length === 1;
  }

  /** Give `amount` of set-aside money back to the counter the lease was cut from. */
  async unreserve(q: Q, scopeKey: string, periodStart: number, amount: bigint): Promise<void> {
    if (amount === 0n) return;
    if (scopeKey.startsWith('wallet:')) {
      await q
        .updateTable('wallets')
        .set({ reserved: sql`reserved - ${amount}` })
        .where('tenant_id', '=', scopeKey.slice(7))
        .execute();
      return;
    }
    await q
      .updateTable('budget_counters')
      .set({ reserved: sql`reserved - ${amount}` })
      .where('scope_key', '=', scopeKey)
      .where('period_start', '=', BigInt(periodStart))
      .execute();
  }

  /**
   * Lock order, everywhere (also in recordSpend, after the ledger locked the wallet): the wallet or
   * counter row first, then lease rows. One order means concurrent transactions cannot deadlock.
   * A no-op UPDATE takes the row lock on PostgreSQL and the write lock on SQLite.
   */
  async lockCounter(q: Q, scopeKey: string, periodStart: number): Promise<void> {
    if (scopeKey.startsWith('wallet:')) {
      await q
        .updateTable('wallets')
        .set({ reserved: sql`reserved` })
        .where('tenant_id', '=', scopeKey.slice(7))
        .execute();
      return;
    }
    await q
      .updateTable('budget_counters')
      .set({ reserved: sql`reserved` })
      .where('scope_key', '=', scopeKey)
      .where('period_start', '=', BigInt(periodStart))
      .execute();
  }

  /** Return `back` of a still-active lease early (exact leases after settle); false if it had ended. */
  async shrink(lease: LeaseRow, back: bigint): Promise<boolean> {
    if (back <= 0n) return true;
    return this.db
      .transaction()
      .execute(async (trx) => {
        await this.lockCounter(trx, lease.scopeKey, lease.periodStart);
        const r = await sql<{ id: string }>`
          update budget_leases set amount = amount - ${back}
          where id = ${lease.id} and status = 'active' and amount - used >= ${back}
          returning id`.execute(trx);
        if (r.rows.length !== 1) throw NOT_ACTIVE;
        await this.unreserve(trx, lease.scopeKey, lease.periodStart, back);
        return true;
      })
      .catch((e: unknown) => {
        if (e === NOT_ACTIVE) return false;
        throw e;
      });
  }

  /**
   * End an active lease and give its unused part (amount − used as recorded by metering) back.
   * `minUsed`: only end it once metering has recorded at least this much against it (so a lease
   * is not returned before its spends were flushed). `expiredBefore`: only if expired (sweeper).
   */
  async end(
    id: string,
    status: 'returned' | 'expired',
    opts: { minUsed?: bigint; expiredBefore?: number } = {},
  ): Promise<'ended' | 'not_flushed' | 'gone'> {
    // scope_key and period_start never change: safe to read before taking the locks.
    const where = await this.db
      .selectFrom('budget_leases')
      .select(['scope_key', 'period_start'])
      .where('id', '=', id)
      .executeTakeFirst();
    if (!where) return 'gone';
    const periodStart = toNum(where.period_start);
    return this.db.transaction().execute(async (trx) => {
      await this.lockCounter(trx, where.scope_key, periodStart);
      const minUsed = opts.minUsed ?? 0n;
      const expiry = opts.expiredBefore !== undefined ? sql`and expires_at < ${opts.expiredBefore}` : sql.raw('');
      const r = await sql<{ amount: unknown; used: unknown }>`
        update budget_leases set status = ${status}
        where id = ${id} and status = 'active' and used >= ${minUsed} ${expiry}
        returning amount, used`.execute(trx);
      const row = r.rows[0];
      if (!row) {
        const still = await trx.selectFrom('budget_leases').select('status').where('id', '=', id).executeTakeFirst();
        return still?.status === 'active' ? 'not_flushed' : 'gone';
      }
      const unused = toBig(row.amount) - toBig(row.used);
      await this.unreserve(trx, where.scope_key, periodStart, unused > 0n ? unused : 0n);
      return 'ended';
    });
  }

  /** Extend active leases; returns the ids that were still active (the others were swept). */
  async renew(ids: readonly string[], expiresAt: number): Promise<Set<string>> {
    // One row per statement: a multi-row UPDATE locks rows in no fixed order and could deadlock
    // with a metering batch that holds some of these leases.
    const alive = new Set<string>();
    for (const id of ids) {
      const r = await this.db
        .updateTable('budget_leases')
        .set({ expires_at: expiresAt })
        .where('id', '=', id)
        .where('status', '=', 'active')
        .executeTakeFirst();
      if (toNum(r.numUpdatedRows) === 1) alive.add(id);
    }
    return alive;
  }

  /** Expire leases whose holder stopped renewing them; returns how many were swept. */
  async sweepExpired(nowMs: number, limit = 500): Promise<number> {
    const rows = await this.db
      .selectFrom('budget_leases')
      .select('id')
      .where('status', '=', 'active')
      .where('expires_at', '<', BigInt(nowMs))
      .limit(limit)
      .execute();
    let n = 0;
    for (const { id } of rows) if ((await this.end(id, 'expired', { expiredBefore: nowMs })) === 'ended') n++;
    return n;
  }

  /** Spent and reserved of one counter (0/0 when it does not exist yet). */
  async counter(scopeKey: string, periodStart: number, q: Q = this.db): Promise<{ spent: bigint; reserved: bigint }> {
    const r = await q
      .selectFrom('budget_counters')
      .select(['spent', 'reserved'])
      .where('scope_key', '=', scopeKey)
      .where('period_start', '=', BigInt(periodStart))
      .executeTakeFirst();
    return { spent: toBig(r?.spent), reserved: toBig(r?.reserved) };
  }
}
