// Rollup storage: adds batch deltas to daily_consumption / monthly_consumption with one upsert per
// table chunk (x = x + excluded.x on both engines), and rebuilds both from usage_records for
// repair and for the test that proves the incremental path right.
import { sql, type Kysely, type Transaction } from 'kysely';
import type { DialectName } from '../db/database.js';
import type { Database } from '../db/schema.js';
import type { RollupDelta, RollupDeltas } from './rollup-math.js';

const SUMS = ['requests', 'prompt_tokens', 'completion_tokens', 'cached_tokens', 'reasoning_tokens', 'total_tokens', 'cost'] as const;
// 13 bound values per row; 1000 rows stays under SQLite's and PostgreSQL's parameter limits.
const CHUNK = 1000;

const keyOf = (d: RollupDelta) => `${d.tenantId}\u0000${d.period}\u0000${d.userId}\u0000${d.keyId}\u0000${d.agent}\u0000${d.model}`;

async function upsert(
  trx: Transaction<Database>,
  table: 'daily_consumption' | 'monthly_consumption',
  period: 'day' | 'month',
  deltas: readonly RollupDelta[],
): Promise<void> {
  // A fixed row order means two nodes upserting overlapping keys lock them in the same order
  // (no deadlock on PostgreSQL).
  const sorted = [...deltas].sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : 1));
  for (let i = 0; i < sorted.length; i += CHUNK) {
    const rows = sorted.slice(i, i + CHUNK).map((d) => ({
      tenant_id: d.tenantId,
      [period]: d.period,
      user_id: d.userId,
      key_id: d.keyId,
      agent: d.agent,
      model: d.model,
      requests: d.requests,
      prompt_tokens: d.promptTokens,
      completion_tokens: d.completionTokens,
      cached_tokens: d.cachedTokens,
      reasoning_tokens: d.reasoningTokens,
      total_tokens: d.totalTokens,
      cost: d.cost,
    }));
    const set = Object.fromEntries(SUMS.map((c) => [c, sql`${sql.ref(`${table}.${c}`)} + ${sql.ref(`excluded.${c}`)}`]));
    await trx
      .insertInto(table)
      // The two tables differ only in the period column's name.
      .values(rows as never)
      .onConflict((oc) => oc.columns(['tenant_id', period, 'user_id', 'key_id', 'agent', 'model'] as never).doUpdateSet(set as never))
      .execute();
  }
}

export async function applyRollupDeltas(trx: Transaction<Database>, deltas: RollupDeltas): Promise<void> {
  await upsert(trx, 'daily_consumption', 'day', deltas.daily);
  await upsert(trx, 'monthly_consumption', 'month', deltas.monthly);
}

/** Rebuild both rollups from the raw records (repair, and the consistency test). */
export async function recomputeRollups(db: Kysely<Database>, dialect: DialectName): Promise<void> {
  const period = (fmt: 'day' | 'month') =>
    dialect === 'sqlite'
      ? sql.raw(`strftime('${fmt === 'day' ? '%Y-%m-%d' : '%Y-%m'}', started_at / 1000, 'unixepoch')`)
      : sql.raw(`to_char(to_timestamp(started_at / 1000) at time zone 'UTC', '${fmt === 'day' ? 'YYYY-MM-DD' : 'YYYY-MM'}')`);
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
