// recordSpend: runs inside the metering batch's transaction, next to the ledger charge, so the
// spend and the charge commit together. Leased spends move money from "reserved" to "spent"
// (lease.used += a; counter.reserved −= a; counter.spent += a; wallets.reserved −= a while the
// ledger's posting lowers wallets.balance). Spends without a live lease (seed 003 log-usage, or a
// lease already swept) add to "spent" directly. Rows are updated in a fixed order (sorted keys)
// so concurrent batches cannot deadlock on PostgreSQL.
import { sql, type Transaction } from 'kysely';
import type { Database } from '../db/schema.js';
import type { DialectName } from '../db/database.js';
import { toBig, toNum } from '../db/database.js';
import type { Nano } from '../shared/money.js';
import type { BudgetStore } from './budget-store.js';
import type { DefinitionCache } from './definition-cache.js';
import { calendarPeriodStart, currentPeriodStart } from './period.js';
import { scopeKey, type SpendAttribution, type SpendRecorder } from './ports.js';

type Spend = { tenantId: string; amount: Nano; at: number; attribution: SpendAttribution };

export class CounterSpendRecorder implements SpendRecorder {
  constructor(
    private readonly store: BudgetStore,
    private readonly definitions: DefinitionCache,
    private readonly dialect: DialectName,
  ) {}

  async recordSpend(trx: Transaction<Database>, spends: readonly Spend[]): Promise<void> {
    const byLease = new Map<string, bigint>();
    /** `${scopeKey}\n${periodStart}` → amount added to spent without a lease. */
    const direct = new Map<string, bigint>();
    const add = (m: Map<string, bigint>, k: string, v: bigint) => m.set(k, (m.get(k) ?? 0n) + v);

    for (const s of spends) {
      if (s.amount <= 0n) continue;
      for (const scope of s.attribution.scopes) {
        const key = scopeKey(scope);
        const leaseId = s.attribution.leases[key];
        if (leaseId) {
          add(byLease, leaseId, s.amount);
          continue;
        }
        if (scope.kind === 'wallet') continue; // the ledger charge alone moves the wallet
        const period = await this.periodOf(trx, key, scope.period, scope.limit !== undefined, s.at);
        if (period !== null) add(direct, `${key}\n${period}`, s.amount);
      }
    }

    // Lock order (see BudgetStore.lockCounter): counters/wallets sorted, then leases sorted.
    const leaseIds = [...byLease.keys()].sort();
    const where = leaseIds.length
      ? await trx
          .selectFrom('budget_leases')
          .select(['id', 'scope_key', 'period_start'])
          .where('id', 'in', leaseIds)
          .execute()
      : [];
    const counters = new Map<string, { scopeKey: string; periodStart: number }>();
    for (const w of where)
      counters.set(`${w.scope_key}\n${toNum(w.period_start)}`, {
        scopeKey: w.scope_key,
        periodStart: toNum(w.period_start),
      });
    for (const k of direct.keys()) {
      const [scopeKey, p] = k.split('\n') as [string, string];
      counters.set(k, { scopeKey, periodStart: Number(p) });
    }
    for (const k of [...counters.keys()].sort()) {
      const c = counters.get(k)!;
      if (!c.scopeKey.startsWith('wallet:')) await this.store.ensureCounter(trx, c.scopeKey, c.periodStart);
      await this.store.lockCounter(trx, c.scopeKey, c.periodStart);
    }

    for (const id of leaseIds) {
      const a = byLease.get(id)!;
      const covered = await this.useLease(trx, id, a);
      if (!covered) continue;
      if (covered.scopeKey.startsWith('wallet:')) {
        await this.store.unreserve(trx, covered.scopeKey, covered.periodStart, covered.amount);
        continue;
      }
      await trx
        .updateTable('budget_counters')
        .set({ spent: sql`spent + ${a}`, reserved: sql`reserved - ${covered.amount}` })
        .where('scope_key', '=', covered.scopeKey)
        .where('period_start', '=', BigInt(covered.periodStart))
        .execute();
    }

    for (const k of [...direct.keys()].sort()) {
      const [key, period] = k.split('\n') as [string, string];
      await trx
        .updateTable('budget_counters')
        .set({ spent: sql`spent + ${direct.get(k)!}` })
        .where('scope_key', '=', key)
        .where('period_start', '=', BigInt(period))
        .execute();
    }
  }

  /**
   * Count `a` against a lease: covered = min(a, amount − used) while the lease is active.
   * A lease that already ended (returned, swept) covers nothing: its counter gets `a` as spent.
   */
  private async useLease(
    trx: Transaction<Database>,
    id: string,
    a: bigint,
  ): Promise<{ scopeKey: string; periodStart: number; amount: bigint } | null> {
    const full = await sql<{ scope_key: string; period_start: unknown }>`
      update budget_leases set used = used + ${a}
      where id = ${id} and status = 'active' and amount - used >= ${a}
      returning scope_key, period_start`.execute(trx);
    const hit = full.rows[0];
    if (hit) return { scopeKey: hit.scope_key, periodStart: toNum(hit.period_start), amount: a };

    let q = trx
      .selectFrom('budget_leases')
      .select(['scope_key', 'period_start', 'amount', 'used', 'status'])
      .where('id', '=', id);
    if (this.dialect === 'postgres') q = q.forUpdate();
    const row = await q.executeTakeFirst();
    if (!row) return null;
    const scopeKey = row.scope_key;
    const periodStart = toNum(row.period_start);
    let covered = 0n;
    if (row.status === 'active') {
      covered = toBig(row.amount) - toBig(row.used);
      if (covered < 0n) covered = 0n;
      await trx.updateTable('budget_leases').set({ used: row.amount }).where('id', '=', id).execute();
    }
    // The part not covered by the lease is spent straight on the counter (see README: overspend).
    return { scopeKey, periodStart, amount: covered };
  }

  private async periodOf(
    trx: Transaction<Database>,
    key: string,
    inlinePeriod: string | undefined,
    inline: boolean,
    at: number,
  ): Promise<number | null> {
    if (inline) return calendarPeriodStart((inlinePeriod ?? 'total') as 'total', at);
    let def = this.definitions.peek(key, at);
    if (def === undefined) {
      def = await this.store.definition(key, trx);
      this.definitions.remember(key, def, at);
    }
    // No budget defined (yet): still count the spend monthly, so "used" is right when one is set.
    if (!def) return calendarPeriodStart('monthly', at);
    return currentPeriodStart(def.period, def.resetAt, at);
  }
}
