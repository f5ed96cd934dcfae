// The two multi-row writes of the ledger's postBatch, with a fast path per dialect: the metering
// batch charges thousands of usage events per flush, and building a 4,500-parameter Kysely query
// costs more than the database work. SQLite: cached prepared statements on the same connection
// (inside the caller's transaction), pausing now and then so a long batch lets the event loop run.
// PostgreSQL: one INSERT … SELECT FROM unnest(arrays) per chunk.
import type BetterSqlite3 from 'better-sqlite3';
import { sql, type Transaction } from 'kysely';
import type { Database } from '../db/schema.js';
import type { LedgerPostingRow, LedgerTransactionInsert } from '../db/tables/money.js';
import { neverPause, type Pause } from './pause.js';
import { SqliteRowStatement } from './sqlite-row-statement.js';

export interface LedgerBatchSql {
  /** Insert transactions whose key is new; returns the keys this call inserted (the others existed). */
  claim(trx: Transaction<Database>, rows: readonly LedgerTransactionInsert[], pause?: Pause): Promise<Set<string>>;
  insertPostings(trx: Transaction<Database>, rows: readonly LedgerPostingRow[], pause?: Pause): Promise<void>;
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** SQLite: the Kysely transaction holds the one connection, so statements on it join that transaction. */
function sqliteBatchSql(handle: BetterSqlite3.Database): LedgerBatchSql {
  const claimStmt = new SqliteRowStatement(
    handle,
    'insert into ledger_transactions (id, idempotency_key, kind, tenant_id, memo, reference, actor_id, content_hash, at) ' +
      'values (?, ?, ?, ?, ?, ?, ?, ?, ?) on conflict (idempotency_key) do nothing',
    9,
  );
  const postingStmt = new SqliteRowStatement(
    handle,
    'insert into ledger_postings (id, transaction_id, account, amount, reference) values (?, ?, ?, ?, ?)',
    5,
  );
  return {
    async claim(_trx, rows, pause) {
      const values: unknown[] = [];
      for (const r of rows)
        values.push(
          r.id,
          r.idempotency_key,
          r.kind,
          r.tenant_id,
          r.memo,
          r.reference,
          r.actor_id,
          r.content_hash,
          r.at,
        );
      // Column 1 is the idempotency key: the rows that changed the table are the keys we claimed.
      return new Set((await claimStmt.run(values, pause, 1)) as string[]);
    },
    async insertPostings(_trx, rows, pause) {
      const values: unknown[] = [];
      for (const p of rows) values.push(p.id, p.transaction_id, p.account, p.amount, p.reference);
      await postingStmt.run(values, pause);
    },
  };
}

/**
 * Rows per PostgreSQL statement. node-postgres serialises a statement's arrays synchronously, so on
 * an event loop that serves calls (a pause that yields, or none given) 250 rows keep each stretch
 * near 1 ms for a few extra round trips per batch. The writer thread has its thread to itself
 * (neverPause): 1,000 rows per statement cut round trips and the server's work per row
 * (bench/metering.ts on PostgreSQL: 22,758–23,890 events/s against 19,890–20,511 with 250).
 */
export function pgRows(pause: Pause | undefined): number {
  return pause === neverPause ? 1000 : 250;
}

/** PostgreSQL: a fixed number of array parameters per statement. */
const postgresBatchSql: LedgerBatchSql = {
  async claim(trx, rows, pause) {
    const claimed = new Set<string>();
    for (const part of chunks(rows, pgRows(pause))) {
      if (part !== rows && pause) await pause();
      const col = <K extends keyof LedgerTransactionInsert>(k: K) => part.map((r) => r[k]);
      const { rows: got } = await sql<{ idempotency_key: string }>`
        insert into ledger_transactions (id, idempotency_key, kind, tenant_id, memo, reference, actor_id, content_hash, at)
        select * from unnest(${col('id')}::text[], ${col('idempotency_key')}::text[], ${col('kind')}::text[],
          ${col('tenant_id')}::text[], ${col('memo')}::text[], ${col('reference')}::text[], ${col('actor_id')}::text[],
          ${col('content_hash')}::text[], ${part.map((r) => String(r.at))}::bigint[])
        on conflict (idempotency_key) do nothing
        returning idempotency_key`.execute(trx);
      for (const r of got) claimed.add(r.idempotency_key);
    }
    return claimed;
  },
  async insertPostings(trx, rows, pause) {
    for (const part of chunks(rows, 2 * pgRows(pause))) {
      if (pause) await pause();
      await sql`
        insert into ledger_postings (id, transaction_id, account, amount, reference)
        select * from unnest(${part.map((p) => p.id)}::text[], ${part.map((p) => p.transaction_id)}::text[],
          ${part.map((p) => p.account)}::text[], ${part.map((p) => p.amount.toString())}::bigint[],
          ${part.map((p) => p.reference)}::text[])`.execute(trx);
    }
  },
};

/** Portable multi-row inserts through Kysely (SQLite without the raw handle, e.g. a bare Kysely). */
const kyselyBatchSql: LedgerBatchSql = {
  async claim(trx, rows) {
    const claimed = new Set<string>();
    for (const part of chunks(rows, 500)) {
      const got = await trx
        .insertInto('ledger_transactions')
        .values(part.map((r) => ({ ...r })))
        .onConflict((oc) => oc.column('idempotency_key').doNothing())
        .returning('idempotency_key')
        .execute();
      for (const r of got) claimed.add(r.idempotency_key);
    }
    return claimed;
  },
  async insertPostings(trx, rows) {
    for (const part of chunks(rows, 2000))
      await trx
        .insertInto('ledger_postings')
        .values(part.map((p) => ({ ...p })))
        .execute();
  },
};

export function createLedgerBatchSql(
  dialect: 'sqlite' | 'postgres',
  sqliteHandle?: BetterSqlite3.Database,
): LedgerBatchSql {
  if (dialect === 'postgres') return postgresBatchSql;
  return sqliteHandle ? sqliteBatchSql(sqliteHandle) : kyselyBatchSql;
}
