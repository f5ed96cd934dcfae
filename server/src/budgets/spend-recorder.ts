// recordSpend: runs inside the metering batch's transaction, next to the ledger charge, so the
// spend and the charge commit together. Leased spends move money from "reserved" to "spent"
// (lease.used += a; counter.reserved −= a; counter.spent += a; wallets.reserved −= a while the
// ledger's posting lowers wallets.balance). Spends without a live lease (seed 003 log-usage, or a
// lease already swept) add to "spent" directly. A batch is aggregated in memory first: one row
// per counter (ONE multi-row upsert that creates, locks and adds the direct spend), then one
// statement per lease. Rows are locked in a fixed order (sorted counter keys, then sorted lease
// ids) so concurrent batches cannot deadlock on PostgreSQL.
import type BetterSqlite3 from 'better-sqlite3';
import { sql, type Transaction } from 'kysely';
import type { Database } from '../db/schema.js';
import type { DialectName } from '../db/database.js';
import { toBig, toNum } from '../db/database.js';
import type { BudgetPeriod } from '../identity/ports.js';
import { SqliteRowStatement } from '../ledger/sqlite-row-statement.js';
import type { Nano } from '../shared/money.js';
import type { BudgetDefinition, BudgetStore } from './budget-store.js';
import type { DefinitionCache } from './definition-cache.js';
import { PeriodMemo } from './period-memo.js';
import { scopeKey, type SpendAttribution, type SpendRecorder } from './ports.js';

type Spend = { tenantId: string; amount: Nano; at: number; attribution: SpendAttribution };

/** One scope of one attribution, resolved once per batch. */
interface ScopePlan {
  key: string;
  leaseId: string | undefined;
  wallet: boolean;
  /** Carries its own limit (key budgets): counted per calendar period of `inlinePeriod`. */
  inline: boolean;
  inlinePeriod: BudgetPeriod;
  /** The inline budget's time zone. */
  inlineZone: string | undefined;
  /** Defined budget (null: none; undefined: not looked up — lease, wallet or inline scopes). */
  def: BudgetDefinition | null | undefined;
  /** Direct spend of this batch per period start. */
  byPeriod: Map<number, bigint>;
}

export class CounterSpendRecorder implements SpendRecorder {
  private readonly periods = new PeriodMemo();
  /** SQLite with the raw handle: one cached single-row upsert per counter (see SqliteRowStatement). */
  private readonly sqliteUpsert: SqliteRowStatement | undefined;

  constructor(
    private readonly store: BudgetStore,
    private readonly definitions: DefinitionCache,
    private readonly dialect: DialectName,
    sqlite?: BetterSqlite3.Database,
  ) {
    if (sqlite)
      this.sqliteUpsert = new SqliteRowStatement(
        sqlite,
        'insert into budget_counters (scope_key, period_start, spent, reserved) values (?, ?, ?, 0) ' +
          'on conflict (scope_key, period_start) do update set spent = budget_counters.spent + excluded.spent',
        3,
      );
  }

  async recordSpend(
    trx: Transaction<Database>,
    spends: readonly Spend[],
    opts: { pause?: () => Promise<void> } = {},
  ): Promise<void> {
    const pause = opts.pause ?? (async () => {});
    // Work per distinct attribution and per distinct scope, not per spend: the batch shares one
    // attribution object between the events of one caller, and callers share scopes (tenant…), so
    // keys and definitions are resolved once and each direct scope has ONE plan for the batch.
    const plans = new Map<SpendAttribution, ScopePlan[]>();
    const shared = new Map<string, ScopePlan>();
    const missing = new Map<string, number>();
    for (let i = 0; i < spends.length; i++) {
      const s = spends[i]!;
      if (i % 256 === 255) await pause();
      if (s.amount <= 0n || plans.has(s.attribution)) continue;
      const plan = s.attribution.scopes.map((scope): ScopePlan => {
        const key = scopeKey(scope);
        const leaseId = s.attribution.leases[key];
        const inline = scope.limit !== undefined;
        const inlinePeriod = scope.period ?? 'total';
        const share = leaseId ? null : `${key}|${inline ? `${inlinePeriod}|${scope.timeZone ?? ''}` : ''}`;
        const known = share === null ? undefined : shared.get(share);
        if (known) return known;
        const sp: ScopePlan = {
          key,
          leaseId,
          wallet: scope.kind === 'wallet',
          inline,
          inlinePeriod,
          inlineZone: scope.timeZone,
          def: undefined,
          byPeriod: new Map(),
        };
        if (!leaseId && !sp.wallet && !inline) {
          sp.def = this.definitions.peek(key, s.at);
          if (sp.def === undefined && !missing.has(key)) missing.set(key, s.at);
        }
        if (share !== null) shared.set(share, sp);
        return sp;
      });
      plans.set(s.attribution, plan);
    }
    if (missing.size > 0) {
      // One query per 500 keys for every definition the cache did not hold (not one per key).
      const found = await this.store.definitions([...missing.keys()], trx);
      for (const [key, at] of missing) this.definitions.remember(key, found.get(key) ?? null, at);
      for (const sp of shared.values())
        if (sp.def === undefined && missing.has(sp.key)) sp.def = found.get(sp.key) ?? null;
    }

    const byLease = new Map<string, bigint>();
    for (let i = 0; i < spends.length; i++) {
      const s = spends[i]!;
      if (i % 256 === 255) await pause();
      if (s.amount <= 0n) continue;
      for (const sp of plans.get(s.attribution)!) {
        if (sp.leaseId) {
          byLease.set(sp.leaseId, (byLease.get(sp.leaseId) ?? 0n) + s.amount);
          continue;
        }
        if (sp.wallet) continue; // the ledger charge alone moves the wallet
        const period = this.periodOf(sp, s.at);
        sp.byPeriod.set(period, (sp.byPeriod.get(period) ?? 0n) + s.amount);
      }
    }
    /** `${scopeKey}\n${periodStart}` → amount added to spent without a lease. */
    const direct = new Map<string, bigint>();
    for (const sp of shared.values())
      for (const [period, amount] of sp.byPeriod) {
        const k = `${sp.key}\n${period}`;
        direct.set(k, (direct.get(k) ?? 0n) + amount);
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
    /** Every counter this batch touches → the amount it gets as direct spend (0 = lock only). */
    const counters = new Map<string, bigint>(direct);
    for (const w of where) {
      const k = `${w.scope_key}\n${toNum(w.period_start)}`;
      if (!counters.has(k)) counters.set(k, 0n);
    }
    const keys = [...counters.keys()].sort();
    // 'wallet:' sorts after every counter kind, so "counters first, then wallets" is the sorted order.
    await this.upsertCounters(
      trx,
      keys.filter((k) => !k.startsWith('wallet:')),
      counters,
      pause,
    );
    for (const k of keys) {
      if (!k.startsWith('wallet:')) continue;
      const [key, p] = k.split('\n') as [string, string];
      await this.store.lockCounter(trx, key, Number(p));
      await pause();
    }

    for (const id of leaseIds) {
      const a = byLease.get(id)!;
      await pause();
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
  }

  /**
   * Create missing counter rows, lock them and add their direct spend, in `keys` order, with
   * multi-row statements (insert … on conflict do update spent = spent + x).
   */
  private async upsertCounters(
    trx: Transaction<Database>,
    keys: readonly string[],
    add: Map<string, bigint>,
    pause: () => Promise<void>,
  ) {
    if (this.sqliteUpsert) {
      const values: unknown[] = [];
      for (const k of keys) {
        const cut = k.indexOf('\n');
        values.push(k.slice(0, cut), Number(k.slice(cut + 1)), add.get(k)!);
      }
      await this.sqliteUpsert.run(values, pause);
      return;
    }
    // Few rows per statement, with a pause between: on SQLite each statement runs synchronously on
    // the event loop, on PostgreSQL node-postgres serialises the arrays synchronously.
    const per = this.dialect === 'postgres' ? 250 : 50;
    for (let i = 0; i < keys.length; i += per) {
      if (i > 0) await pause();
      const part = keys.slice(i, i + per).map((k) => {
        const cut = k.indexOf('\n');
        return { scope_key: k.slice(0, cut), period_start: Number(k.slice(cut + 1)), spent: add.get(k)!, reserved: 0n };
      });
      if (this.dialect === 'postgres') {
        await sql`
          insert into budget_counters (scope_key, period_start, spent, reserved)
          select * from unnest(${part.map((p) => p.scope_key)}::text[], ${part.map((p) => String(p.period_start))}::int8[],
            ${part.map((p) => p.spent.toString())}::int8[], ${part.map(() => '0')}::int8[])
          on conflict (scope_key, period_start) do update set spent = budget_counters.spent + excluded.spent`.execute(
          trx,
        );
      } else {
        await trx
          .insertInto('budget_counters')
          .values(part)
          .onConflict((oc) =>
            oc
              .columns(['scope_key', 'period_start'])
              .doUpdateSet({ spent: sql`budget_counters.spent + excluded.spent` }),
          )
          .execute();
      }
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

  /** The period a direct spend counts in. */
  private periodOf(sp: ScopePlan, at: number): number {
    if (sp.inline) return this.periods.start(sp.inlinePeriod, at, sp.inlineZone);
    // No budget defined (yet): still count the spend monthly, so "used" is right when one is set.
    if (!sp.def) return this.periods.start('monthly', at);
    return this.periods.current(sp.def.period, sp.def.resetAt, at, sp.def.timeZone);
  }
}
