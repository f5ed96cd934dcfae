// Builds the metering pipeline from its adapters (used by the module, tests and the bench).
import { join } from 'node:path';
import { sql } from 'kysely';
import type { Logger } from 'pino';
import type { SpendRecorder } from '../budgets/ports.js';
import type { Db } from '../db/database.js';
import type { Ledger } from '../ledger/ports.js';
import type { PriceCatalog } from '../pricing/ports.js';
import type { Clock } from '../shared/clock.js';
import { createBatchWriter } from './batch-writer.js';
import { SpooledPipeline } from './pipeline.js';
import { Spool } from './spool.js';
import { startWalCheckpointer } from '../db/wal-checkpointer.js';

export interface MeteringPipelineDeps {
  db: Db;
  ledger: Ledger;
  spend: SpendRecorder;
  catalog: PriceCatalog;
  log: Logger;
  clock: Clock;
  dataDir: string;
  batchSize: number;
  flushMs: number;
  /** Batches in flight at once (default 1; PostgreSQL only: SQLite has one connection). */
  writers?: number;
  retryDelayMs?: (attempt: number) => number;
  /** SQLite: checkpoint the WAL from a worker thread every this many ms (see db/wal-checkpointer.ts). */
  walCheckpointMs?: number;
}

export function createMeteringPipeline(deps: MeteringPipelineDeps): SpooledPipeline {
  const checkpointer =
    deps.walCheckpointMs !== undefined
      ? startWalCheckpointer(deps.db, { intervalMs: deps.walCheckpointMs, log: deps.log })
      : null;
  const write = createBatchWriter({
    db: deps.db,
    ledger: deps.ledger,
    spend: deps.spend,
    log: deps.log,
    now: () => deps.clock.now(),
  });
  return new SpooledPipeline({
    catalog: deps.catalog,
    spool: new Spool(join(deps.dataDir, 'spool'), (e) =>
      // The events stay in memory and are still committed; only their crash safety is lost.
      deps.log.error({ err: e }, 'metering spool write failed; events of this turn are not crash-safe'),
    ),
    write,
    healthy: async () => {
      await sql`select 1`.execute(deps.db.kysely);
      return true;
    },
    log: deps.log,
    batchSize: deps.batchSize,
    flushMs: deps.flushMs,
    writers: deps.writers ?? 1,
    ...(checkpointer ? { onClose: () => checkpointer.stop() } : {}),
    ...(deps.retryDelayMs ? { retryDelayMs: deps.retryDelayMs } : {}),
  });
}
