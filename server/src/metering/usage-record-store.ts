// Writes usage rows inside the batch transaction, fast on each engine: a cached prepared
// statement per row on SQLite (the raw handle shares the transaction's connection), one
// unnest() insert on PostgreSQL (33 array parameters whatever the batch size). Both skip ids
// already stored (ON CONFLICT DO NOTHING; new rows are told by `changes` / RETURNING), which is how replays and racing
// nodes are detected without a check-then-act window.
import { sql, type Transaction } from 'kysely';
import type { Db } from '../db/database.js';
import type { Database } from '../db/schema.js';
import type { Pause } from '../ledger/pause.js';
import { pgRows } from '../ledger/ledger-batch-sql.js';
import { SqliteRowStatement } from '../ledger/sqlite-row-statement.js';
import { USAGE_COLUMNS, USAGE_INT_COLUMNS } from './batch-plan.js';

const WIDTH = USAGE_COLUMNS.length;

export class UsageRecordStore {
  private readonly sqliteInsert: SqliteRowStatement | undefined;

  constructor(db: Db) {
    if (db.sqlite)
      this.sqliteInsert = new SqliteRowStatement(
        db.sqlite,
        `insert into usage_records (${USAGE_COLUMNS.join(', ')}) values (${USAGE_COLUMNS.map(() => '?').join(', ')}) ` +
          'on conflict (request_id) do nothing',
        WIDTH,
      );
  }

  /**
   * Insert rows given flat, row-major, in USAGE_COLUMNS order (see pushUsageRow); returns the
   * request ids that were new.
   */
  async insertNew(trx: Transaction<Database>, values: readonly unknown[], pause?: Pause): Promise<Set<string>> {
    if (values.length === 0) return new Set();
    // Column 1 is request_id: the rows that changed the table are the new ids.
    if (this.sqliteInsert) return new Set((await this.sqliteInsert.run(values, pause, 1)) as string[]);
    const inserted = new Set<string>();
    // pgRows rows per statement, pausing between them: node-postgres serialises the arrays synchronously.
    const step = pgRows(pause) * WIDTH;
    for (let from = 0; from < values.length; from += step) {
      if (from > 0) await pause?.();
      const part = values.slice(from, from + step);
      const rows = part.length / WIDTH;
      const arrays = USAGE_COLUMNS.map((col, i) => {
        const column = new Array<unknown>(rows);
        for (let r = 0; r < rows; r++) column[r] = part[r * WIDTH + i] ?? null;
        return sql`${column}::${sql.raw(USAGE_INT_COLUMNS.has(col) ? 'int8' : 'text')}[]`;
      });
      const result = await sql<{ request_id: string }>`
        insert into usage_records (${sql.join(USAGE_COLUMNS.map((c) => sql.ref(c)))})
        select * from unnest(${sql.join(arrays)})
        on conflict (request_id) do nothing
        returning request_id`.execute(trx);
      for (const r of result.rows) inserted.add(r.request_id);
    }
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
