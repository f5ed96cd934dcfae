// Kysely's SQLite dialect with two changes for a file that more than one connection writes (the
// metering writer thread has its own connection):
// - transactions begin IMMEDIATE: a transaction that read before writing could otherwise fail with
//   SQLITE_BUSY_SNAPSHOT when the other connection committed in between (no wait can fix that);
// - the connection never waits for the write lock synchronously (busy_timeout 0): on SQLITE_BUSY the
//   statement is retried after an async back-off, so the event loop keeps running while another
//   thread's transaction commits. While it waits, the `waiting` counter (shared memory) tells the
//   writer thread to leave the lock free before its next transaction, so it cannot starve us.
// - prepared statements are cached by SQL text (Kysely's driver prepares every query it runs; a
//   prepare costs more than running a small statement).
import type BetterSqlite3 from 'better-sqlite3';
import {
  CompiledQuery,
  SqliteDialect,
  SqliteDriver,
  type DatabaseConnection,
  type Driver,
  type QueryResult,
  type SqliteDatabase,
  type SqliteDialectConfig,
  type SqliteStatement,
} from 'kysely';

/** How long a statement keeps retrying a busy database before it fails (as busy_timeout did). */
const BUSY_DEADLINE_MS = 5000;
const MAX_BACKOFF_MS = 4;

const isBusy = (e: unknown): boolean => (e as { code?: string }).code?.startsWith('SQLITE_BUSY') ?? false;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Run `op`, retrying SQLITE_BUSY with an async back-off; `waiting` counts threads queued for the lock. */
export async function retryBusy<T>(
  op: () => Promise<T>,
  waiting: Int32Array,
  deadlineMs = BUSY_DEADLINE_MS,
): Promise<T> {
  let queued = false;
  const deadline = Date.now() + deadlineMs;
  try {
    for (let backoff = 1; ; backoff = Math.min(MAX_BACKOFF_MS, backoff * 2)) {
      try {
        return await op();
      } catch (e) {
        if (!isBusy(e) || Date.now() >= deadline) throw e;
        if (!queued) {
          queued = true;
          Atomics.add(waiting, 0, 1);
        }
        await sleep(backoff);
      }
    }
  } finally {
    if (queued) {
      Atomics.sub(waiting, 0, 1);
      Atomics.notify(waiting, 0);
    }
  }
}

/**
 * The writer thread's side of the hand-off: before it begins a transaction, wait (blocking that
 * thread only, at most `maxMs`) while another connection is queued for the write lock.
 */
export function yieldToWaitingWriters(waiting: Int32Array, maxMs: number): void {
  const until = Date.now() + maxMs;
  for (let n = Atomics.load(waiting, 0); n > 0; n = Atomics.load(waiting, 0)) {
    const left = until - Date.now();
    if (left <= 0) return;
    Atomics.wait(waiting, 0, n, left);
  }
}

class RetryingConnection implements DatabaseConnection {
  constructor(
    private readonly inner: DatabaseConnection,
    private readonly waiting: Int32Array,
  ) {}

  executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    return retryBusy(() => this.inner.executeQuery<R>(query), this.waiting);
  }

  streamQuery<R>(query: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
    return this.inner.streamQuery<R>(query, chunkSize);
  }
}

class ImmediateSqliteDriver extends SqliteDriver {
  private readonly wrapped = new WeakMap<DatabaseConnection, RetryingConnection>();

  constructor(
    config: SqliteDialectConfig,
    private readonly waiting: Int32Array,
  ) {
    super(config);
  }

  override async acquireConnection(): Promise<DatabaseConnection> {
    const inner = await super.acquireConnection();
    let c = this.wrapped.get(inner);
    if (!c) this.wrapped.set(inner, (c = new RetryingConnection(inner, this.waiting)));
    return c;
  }

  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

export class ImmediateSqliteDialect extends SqliteDialect {
  constructor(
    private readonly config: SqliteDialectConfig,
    private readonly waiting: Int32Array,
  ) {
    super(config);
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.config, this.waiting);
  }
}

/** Statements kept per connection: queries with `in (…)` lists of many lengths come and go. */
const STATEMENT_CACHE_SIZE = 256;

/**
 * The connection as Kysely's SQLite driver sees it, with a least-recently-used cache of prepared
 * statements by SQL text. A cached statement is run with all()/run(), which finish before they
 * return, so reusing it is safe; iterate() (streaming) leaves a statement busy until the caller
 * stops, so it gets a statement of its own.
 */
export function cachingDatabase(db: BetterSqlite3.Database, size = STATEMENT_CACHE_SIZE): SqliteDatabase {
  const cache = new Map<string, SqliteStatement>();
  return {
    close: () => {
      cache.clear();
      db.close();
    },
    prepare(sql: string): SqliteStatement {
      const hit = cache.get(sql);
      if (hit) {
        // Most recently used last: Map keeps insertion order.
        cache.delete(sql);
        cache.set(sql, hit);
        return hit;
      }
      const stmt = db.prepare(sql);
      const entry: SqliteStatement = {
        reader: stmt.reader,
        all: (parameters) => stmt.all(parameters as unknown[]),
        run: (parameters) => stmt.run(parameters as unknown[]),
        iterate: (parameters) => db.prepare(sql).iterate(parameters as unknown[]),
      };
      cache.set(sql, entry);
      if (cache.size > size) cache.delete(cache.keys().next().value!);
      return entry;
    },
  };
}

/** A counter in shared memory (one per database file and process) for retryBusy/yieldToWaitingWriters. */
export function newWriteWaitCounter(): Int32Array {
  return new Int32Array(new SharedArrayBuffer(4));
}
