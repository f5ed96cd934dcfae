// Rollup storage: adds batch deltas to daily_consumption / monthly_consumption (upsert with
// x = x + excluded.x on both engines), and rebuilds both from usage_records for repair and for
// the test that proves the incremental path right.
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Db, DialectName } from '../db/database.js';
import type { Database } from '../db/schema.js';
import type { Pause } from '../ledger/pause.js';
import { pgRows } from '../ledger/ledger-batch-sql.js';
import { SqliteRowStatement } from '../ledger/sqlite-row-statement.js';
import type { RollupDelta, RollupDeltas } from './rollup-math.js';

const SUMS = [
  'requests',
  'prompt_tokens',
  'completion_tokens',
  'cached_tokens',
  'reasoning_tokens',
  'total_tokens',
  'cost',
] as const;
const KEYS = (period: 'day' | 'month') => ['tenant_id', period, 'user_id', 'key_id', 'agent', 'model'] as const;
type Table = 'daily_consumption' | 'monthly_consumption';

const keyOf = (d: RollupDelta) =>
  `${d.tenantId}\u0000${d.period}\u0000${d.userId}\u0000${d.keyId}\u0000${d.agent}\u0000${d.model}`;
const valuesOf = (d: RollupDelta) => [
  d.tenantId,
  d.period,
  d.userId,
  d.keyId,
  d.agent,
  d.model,
  d.requests,
  d.promptTokens,
  d.completionTokens,
  d.cachedTokens,
  d.reasoningTokens,
  d.totalTokens,
  d.cost,
];

function upsertHead(table: Table, period: 'day' | 'month'): { columns: string; onConflict: string } {
  return {
    columns: `${table} (${[...KEYS(period), ...SUMS].join(', ')})`,
    onConflict: `on conflict (${KEYS(period).join(', ')}) do update set ${SUMS.map((c) => `${c} = ${table}.${c} + excluded.${c}`).join(', ')}`,
  };
}

/**
 * Adds deltas to the rollups: a cached prepared upsert per row on SQLite (the raw handle shares
 * the batch transaction's connection), one unnest() upsert per table on PostgreSQL.
 */
export class RollupStore {
  private readonly sqliteUpserts = new Map<Table, SqliteRowStatement>();

  constructor(private readonly db: Db) {}

  async apply(trx: Transaction<Database>, deltas: RollupDeltas, pause?: Pause): Promise<void> {
    await this.upsert(trx, 'daily_consumption', 'day', deltas.daily, pause);
    await this.upsert(trx, 'monthly_consumption', 'month', deltas.monthly, pause);
  }

  private async upsert(
    trx: Transaction<Database>,
    table: Table,
    period: 'day' | 'month',
    deltas: readonly RollupDelta[],
    pause?: Pause,
  ): Promise<void> {
    if (deltas.length === 0) return;
    // A fixed row order means two nodes upserting overlapping keys lock them in the same order
    // (no deadlock on PostgreSQL).
    const sorted = deltas
      .map((d) => ({ d, k: keyOf(d) }))
      .sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : 0))
      .map((x) => x.d);
    const head = upsertHead(table, period);
    if (this.db.sqlite) {
      let stmt = this.sqliteUpserts.get(table);
      if (!stmt) {
        stmt = new SqliteRowStatement(
          this.db.sqlite,
          `insert into ${head.columns} values (${Array(13).fill('?').join(', ')}) ${head.onConflict}`,
          13,
        );
        this.sqliteUpserts.set(table, stmt);
      }
      // Built and run 64 deltas at a time, so a pause can come between any two slices.
      for (let i = 0; i < sorted.length; i += 64) {
        const values: unknown[] = [];
        for (const d of sorted.slice(i, i + 64)) values.push(...valuesOf(d));
        await stmt.run(values, pause);
      }
      return;
    }
    const step = pgRows(pause);
    for (let i = 0; i < sorted.length; i += step) {
      if (i > 0) await pause?.();
      const columns = sorted.slice(i, i + step).map(valuesOf);
      const arrays = Array.from(
        { length: 13 },
        (_, c) => sql`${columns.map((r) => r[c])}::${sql.raw(c < 6 ? 'text' : 'int8')}[]`,
      );
      await sql`insert into ${sql.raw(head.columns)} select * from unnest(${sql.join(arrays)}) ${sql.raw(head.onConflict)}`.execute(
        trx,
      );
    }
  }
}

/** Rebuild both rollups from the raw records (repair, and the consistency test). */
export async function recomputeRollups(db: Kysely<Database>, dialect: DialectName): Promise<void> {
  const period = (fmt: 'day' | 'month') =>
    dialect === 'sqlite'
      ? sql.raw(`strftime('${fmt === 'day' ? '%Y-%m-%d' : '%Y-%m'}', started_at / 1000, 'unixepoch')`)
      : sql.raw(
          `to_char(to_timestamp(started_at / 1000) at time zone 'UTC', '${fmt === 'day' ? 'YYYY-MM-DD' : 'YYYY-MM'}')`,
        );
  await db.transaction().execute(async (trx) => {
    for (const [table, col, fmt] of [
      ['daily_consumption', 'day', 'day'],
      ['monthly_consumption', 'month', 'month'],
    ] as const) {
      await trx.deleteFrom(table).execute();
      await sql`
        insert into ${sql.table(table)} (tenant_id, ${sql.ref(col)}, user_id, key_id, agent, model,
          requests, prompt_tokens, completion_tokens, cached_tokens, reasoning_tokens, total_tokens, cost)
        select tenant_id, ${period(fmt)}, coalesce(user_id, ''), coalesce(key_id, ''), coalesce(agent, ''), model,
          count(*), sum(prompt_tokens), sum(completion_tokens), sum(cached_tokens), sum(reasoning_tokens),
          sum(total_tokens), sum(cost)
        from usage_records
        group by 1, 2, 3, 4, 5, 6`.execute(trx);
    }
  });
}
