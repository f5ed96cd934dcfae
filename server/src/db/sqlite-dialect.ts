// Kysely's SQLite dialect with two changes for a file that more than one connection writes (the
// metering writer thread has its own connection):
// - transactions begin IMMEDIATE: a transaction that read before writing could otherwise fail with
//   SQLITE_BUSY_SNAPSHOT when the other connection committed in between (no wait can fix that);
// - the connection never waits for the write lock synchronously (busy_timeout 0): on SQLITE_BUSY the
//   statement is retried after an async back-off, so the event loop keeps running while another
//   thread's transaction commits. While it waits, the `waiting` counter (shared memory) tells the
//   writer thread to leave the lock free before its next transaction, so it cannot starve us.
import {
  CompiledQuery,
  SqliteDialect,
  SqliteDriver,
  type DatabaseConnection,
  type Driver,
  type QueryResult,
  type SqliteDialectConfig,
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

/** A counter in shared memory (one per database file and process) for retryBusy/yieldToWaitingWriters. */
export function newWriteWaitCounter(): Int32Array {
  return new Int32Array(new SharedArrayBuffer(4));
}
