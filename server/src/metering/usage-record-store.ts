// Writes usage rows inside the batch transaction, fast on each engine: a cached prepared statement
// on SQLite (the raw handle shares the transaction's connection), one unnest() insert on
// PostgreSQL (33 array parameters whatever the batch size). Both skip ids already stored
// (ON CONFLICT DO NOTHING), which is how replays and racing nodes are detected without a
// check-then-act window.
import { sql, type Transaction } from 'kysely';
import type BetterSqlite3 from 'better-sqlite3';
import type { Db } from '../db/database.js';
import type { Database } from '../db/schema.js';
import { USAGE_COLUMNS, USAGE_INT_COLUMNS, type UsageRowValues } from './batch-plan.js';

const insertSql = `insert into usage_records (${USAGE_COLUMNS.join(', ')}) values (${USAGE_COLUMNS.map(() => '?').join(', ')}) on conflict (request_id) do nothing`;

export class UsageRecordStore {
  private sqliteInsert: BetterSqlite3.Statement | undefined;

  constructor(private readonly db: Db) {}

  /** Insert rows; returns the request ids that were new (index 1 of each row is the request id). */
  async insertNew(trx: Transaction<Database>, rows: readonly UsageRowValues[]): Promise<Set<string>> {
    const inserted = new Set<string>();
    if (rows.length === 0) return inserted;
    if (this.db.sqlite) {
      this.sqliteInsert ??= this.db.sqlite.prepare(insertSql);
      const stmt = this.sqliteInsert;
      for (const row of rows) if (stmt.run(row).changes > 0) inserted.add(row[1] as string);
      return inserted;
    }
    const arrays = USAGE_COLUMNS.map((col, i) => {
      const values = rows.map((r) => r[i] ?? null);
      return sql`${values}::${sql.raw(USAGE_INT_COLUMNS.has(col) ? 'int8' : 'text')}[]`;
    });
    const result = await sql<{ request_id: string }>`
      insert into usage_records (${sql.join(USAGE_COLUMNS.map((c) => sql.ref(c)))})
      select * from unnest(${sql.join(arrays)})
      on conflict (request_id) do nothing
      returning request_id`.execute(trx);
    for (const r of result.rows) inserted.add(r.request_id);
    return inserted;
  }

  /** Stored content hashes of the given request ids (to tell duplicates from conflicts). */
  async hashesOf(trx: Transaction<Database>, requestIds: readonly string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (let i = 0; i < requestIds.length; i += 500) {
      const chunk = requestIds.slice(i, i + 500);
      const rows = await trx
        .selectFrom('usage_records')
        .select(['request_id', 'content_hash'])
        .where('request_id', 'in', chunk)
        .execute();
      for (const r of rows) out.set(r.request_id, r.content_hash);
    }
    return out;
  }
}
