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
import { SAFETY_NET_PAGES, startWalCheckpointer } from '../db/wal-checkpointer.js';
import type { EventBus } from '../bus/bus.js';
import { startWorkerWriter } from './worker-writer.js';

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
  /** Gateway-only partial batches wait up to this (default flushMs); see PipelineOptions. */
  idleFlushMs?: number;
  /** Batches in flight at once (default 1; PostgreSQL only: SQLite has one connection). */
  writers?: number;
  retryDelayMs?: (attempt: number) => number;
  /** SQLite: checkpoint the WAL from a worker thread every this many ms (see db/wal-checkpointer.ts). */
  walCheckpointMs?: number;
  /**
   * Write batches in a worker thread with its own connection (README "Writer thread"); default
   * inline (on this thread, time-sliced). Needs a database another connection can open.
   */
  worker?: {
    currency: string;
    /** Budget definitions cached by the worker expire after this (ms). */
    definitionTtlMs: number;
    /** Target length of one write transaction (ms). */
    txnMs: number;
    /** 'budget.changed' messages are forwarded to the worker's definition cache. */
    bus?: EventBus;
  };
}

/** 'worker' unless asked otherwise or the database cannot be opened twice (SQLite :memory:). */
export function meteringWriterMode(asked: 'auto' | 'worker' | 'inline', db: Db): 'worker' | 'inline' {
  const shareable = db.opened !== undefined && !/^(sqlite:)?:memory:$/.test(db.opened.url);
  if (asked === 'worker' && !shareable) throw new Error('METERING_WRITER=worker needs a database file or PostgreSQL');
  return asked === 'inline' || !shareable ? 'inline' : 'worker';
}

function workerWriter(
  deps: MeteringPipelineDeps,
  w: NonNullable<MeteringPipelineDeps['worker']>,
  checkpointing: boolean,
) {
  if (!deps.db.opened) throw new Error('the metering writer thread needs to know how the database was opened');
  const writer = startWorkerWriter(
    {
      db: deps.db.opened,
      currency: w.currency,
      definitionTtlMs: w.definitionTtlMs,
      maxRows: deps.batchSize,
      txnMs: w.txnMs,
      ...(checkpointing ? { walAutocheckpointPages: SAFETY_NET_PAGES } : {}),
    },
    { log: deps.log, now: () => deps.clock.now() },
  );
  const unsubscribe = w.bus?.subscribe('budget.changed', (m) => writer.invalidate(m.scopeKey));
  return {
    write: writer.write,
    ready: writer.ready,
    healthy: writer.healthy,
    close: async () => {
      unsubscribe?.();
      await writer.close();
    },
  };
}

export function createMeteringPipeline(deps: MeteringPipelineDeps): SpooledPipeline {
  const checkpointer =
    deps.walCheckpointMs !== undefined
      ? startWalCheckpointer(deps.db, { intervalMs: deps.walCheckpointMs, log: deps.log })
      : null;
  const worker = deps.worker ? workerWriter(deps, deps.worker, checkpointer !== null) : null;
  const write =
    worker?.write ??
    createBatchWriter({
      db: deps.db,
      ledger: deps.ledger,
      spend: deps.spend,
      log: deps.log,
      now: () => deps.clock.now(),
    });
  const onClose = async () => {
    await worker?.close();
    await checkpointer?.stop();
  };
  return new SpooledPipeline({
    catalog: deps.catalog,
    spool: new Spool(join(deps.dataDir, 'spool'), (e) =>
      // The events stay in memory and are still committed; only their crash safety is lost.
      deps.log.error({ err: e }, 'metering spool write failed; events of this turn are not crash-safe'),
    ),
    write,
    healthy: async () => {
      await sql`select 1`.execute(deps.db.kysely);
      return worker ? worker.healthy() : true;
    },
    log: deps.log,
    batchSize: deps.batchSize,
    flushMs: deps.flushMs,
    ...(deps.idleFlushMs !== undefined ? { idleFlushMs: deps.idleFlushMs } : {}),
    // Worker: a second chunk waits in the thread's queue while one is written (no idle gap).
    writers: deps.writers ?? (worker ? 2 : 1),
    onClose,
    ...(worker ? { ready: worker.ready } : {}),
    ...(deps.retryDelayMs ? { retryDelayMs: deps.retryDelayMs } : {}),
  });
}
