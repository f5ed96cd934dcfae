// SQLite WAL checkpoints off the event loop. By default SQLite checkpoints inside the COMMIT that
// pushes the WAL past 1,000 pages: it copies those pages into the database file and fsyncs, on the
// committing (main) thread — measured at ~30 ms per metering batch commit and about a third of the
// writer's CPU. Here the main connection's automatic checkpoint is raised to a safety net
// (SAFETY_NET_PAGES) and a worker thread with its own connection runs PASSIVE checkpoints every
// `intervalMs` (PASSIVE never waits for, nor blocks, the writer or readers). If the worker stops,
// the normal automatic checkpoint is restored.
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { Db } from './database.js';

const DEFAULT_AUTOCHECKPOINT = 1000;
/**
 * ~400 MB of WAL with 4 KiB pages: only reached if the checkpointer falls far behind. Every
 * connection that writes must use it (the metering writer thread's too), or its commits checkpoint.
 */
export const SAFETY_NET_PAGES = 100_000;

// Plain CommonJS so the worker needs no TypeScript loader. An eval'd worker resolves modules from
// the process's working directory, not from this file: it gets better-sqlite3's resolved path.
const SQLITE_MODULE = createRequire(import.meta.url).resolve('better-sqlite3');
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.sqliteModule);
const db = new Database(workerData.file);
db.pragma('busy_timeout = 0');
const checkpoint = () => { try { db.pragma('wal_checkpoint(PASSIVE)'); } catch {} };
const timer = setInterval(checkpoint, workerData.intervalMs);
parentPort.on('message', (m) => {
  if (m !== 'stop') return;
  clearInterval(timer);
  checkpoint();
  db.close();
  parentPort.close();
});
`;

export interface WalCheckpointer {
  stop(): Promise<void>;
}

/** Start checkpointing `db` in a worker thread; null when there is no WAL file (PostgreSQL, :memory:). */
export function startWalCheckpointer(db: Db, opts: { intervalMs: number; log: Logger }): WalCheckpointer | null {
  const handle = db.sqlite;
  if (!handle || handle.memory) return null;
  const restore = () => {
    if (handle.open) handle.pragma(`wal_autocheckpoint = ${DEFAULT_AUTOCHECKPOINT}`);
  };
  const worker = new Worker(WORKER, {
    eval: true,
    workerData: { file: handle.name, intervalMs: opts.intervalMs, sqliteModule: SQLITE_MODULE },
  });
  worker.unref();
  handle.pragma(`wal_autocheckpoint = ${SAFETY_NET_PAGES}`);
  let stopped = false;
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  worker.on('error', (e) => {
    opts.log.error({ err: e }, 'WAL checkpointer thread failed; SQLite checkpoints on commit again');
    restore();
  });
  void exited.then(() => {
    if (!stopped) restore();
  });
  return {
    async stop() {
      if (stopped) return;
      stopped = true;
      // Unref'd so it never keeps the process alive; while we wait for its exit, it must.
      worker.ref();
      worker.postMessage('stop');
      await exited;
      restore();
    },
  };
}
