// Messages between the main thread (worker-writer.ts) and the metering writer thread
// (writer-worker.ts). Chunks travel as their spool lines, joined into one string: the main thread
// already has them (no second encoding), and structured-cloning one string is a copy.
import type { OpenDbOptions } from '../db/database.js';
import type { IngestOutcome } from './ports.js';

export interface WriterWorkerData {
  db: OpenDbOptions;
  currency: string;
  /** Budget definitions cached by the worker expire after this (ms), even without a message. */
  definitionTtlMs: number;
  /** Rows per transaction at most. */
  maxRows: number;
  /** Target length of one transaction (ms): the sizer shrinks transactions that take longer. */
  txnMs: number;
  /** SQLite: the wal_autocheckpoint of the thread's connection (a checkpointer thread does the work). */
  walAutocheckpointPages?: number;
}

export type ToWorker =
  /** `now`: the main thread's clock (created_at of the rows, ledger timestamps). */
  /** `text`: the chunk's spool lines joined by newlines (empty lines are skipped). */
  | { type: 'write'; id: number; text: string; now: number }
  /** A budget definition changed (no key: all of them). */
  | { type: 'invalidate'; scopeKey?: string | undefined }
  | { type: 'close' };

export type ToMain =
  | { type: 'ready' }
  | { type: 'done'; id: number; outcomes: IngestOutcome[] }
  /** `committed`: outcomes of the chunk's first events, whose transactions committed before the failure. */
  | { type: 'failed'; id: number; message: string; code: string | undefined; committed: IngestOutcome[] }
  | { type: 'log'; level: 'warn'; obj: object; msg: string };
