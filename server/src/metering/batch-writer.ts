// Executes one metering batch in ONE database transaction: usage records (new ids only) → ledger
// charges (ledger.postBatch: one usage_charge per tenant, one wallet line per new call) → budget
// spend → rollups. Either
// all of it commits or none of it does, so a charge never exists without its record or rollup.
// The work pauses every `sliceMs` to let the event loop run (SQLite executes on this thread; on
// PostgreSQL the statements are built and serialised here); the transaction stays open across the
// pauses (see README "Event loop").
import type { Logger } from 'pino';
import type { SpendRecorder } from '../budgets/ports.js';
import type { Db } from '../db/database.js';
import { createPause, type Pause } from '../ledger/pause.js';
import type { Ledger } from '../ledger/ports.js';
import { newId } from '../shared/ids.js';
import { chargesFor, dedupeInBatch, loserOutcome, pushUsageRow, spendsFor } from './batch-plan.js';
import type { IngestOutcome } from './ports.js';
import type { PreparedEvent } from './prepared-event.js';
import { RollupAggregator } from './rollup-math.js';
import { RollupStore } from './rollup-store.js';
import { UsageRecordStore } from './usage-record-store.js';

export interface BatchWriterDeps {
  db: Db;
  ledger: Ledger;
  spend: SpendRecorder;
  log: Pick<Logger, 'warn'> | { warn(obj: object, msg: string): void };
  now: () => number;
  /** SQLite: the longest stretch of batch work between two yields to the event loop (ms). */
  sliceMs?: number;
}

/**
 * Writes a chunk and answers one outcome per event. `lines` are the events' spool lines, when the
 * caller has them (the worker writer sends those instead of encoding again).
 */
export type BatchWriter = (items: readonly PreparedEvent[], lines?: readonly string[]) => Promise<IngestOutcome[]>;

/**
 * A chunk failed after its first `committed.length` events were stored (the worker writes a chunk
 * as several short transactions): those keep their outcomes; only the rest is retried.
 */
export class PartialWriteError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
    readonly committed: readonly IngestOutcome[],
  ) {
    super(message);
    this.name = 'PartialWriteError';
  }
}

/** Events handled between two pause checks in the writer's own loops. */
const STEP = 256;

const compareIds = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export function createBatchWriter(deps: BatchWriterDeps): BatchWriter {
  const records = new UsageRecordStore(deps.db);
  const rollups = new RollupStore(deps.db);
  const sliceMs = deps.sliceMs ?? 1;

  /**
   * Usage rows, flat, in USAGE_COLUMNS order. Ids are one time-sorted base per batch plus a
   * sequence number, so the primary key grows by appends. A row with a cost carries the id of its
   * tenant's usage charge (posted after the insert, same transaction).
   */
  async function usageValues(
    items: readonly PreparedEvent[],
    winners: number[],
    createdAt: number,
    txnIds: ReadonlyMap<string, string>,
    pause: Pause,
  ) {
    const values: unknown[] = [];
    const base = `${newId('use', createdAt)}_`;
    for (let n = 0; n < winners.length; n++) {
      const p = items[winners[n]!]!;
      const txn = p.cost > 0n ? txnIds.get(p.event.tenantId)! : null;
      pushUsageRow(values, p, base + n.toString(36).padStart(4, '0'), createdAt, txn);
      if (n % STEP === STEP - 1) await pause();
    }
    return values;
  }

  /** One usage charge id per tenant with something to charge (used only if a call turns out new). */
  function chargeIds(items: readonly PreparedEvent[], winners: number[], at: number): Map<string, string> {
    const ids = new Map<string, string>();
    for (const i of winners) {
      const p = items[i]!;
      if (p.cost > 0n && !ids.has(p.event.tenantId)) ids.set(p.event.tenantId, newId('txn', at));
    }
    return ids;
  }

  return async function writeBatch(items) {
    const outcomes: IngestOutcome[] = new Array<IngestOutcome>(items.length).fill('accepted');
    const { winners, losers } = dedupeInBatch(items);
    // Rows go in request-id order: concurrent batches (several writers, several nodes) that share
    // an id then wait on each other's unique-index entry in the same order, never in a cycle.
    if (!deps.db.sqlite) winners.sort((a, b) => compareIds(items[a]!.event.requestId, items[b]!.event.requestId));
    const createdAt = deps.now();
    await deps.db.kysely.transaction().execute(async (trx) => {
      // Both engines: SQLite runs every statement on this thread; on PostgreSQL building and
      // serialising the statements' arrays does.
      const pause = createPause(sliceMs);
      const txnIds = chargeIds(items, winners, createdAt);
      const values = await usageValues(items, winners, createdAt, txnIds, pause);
      const inserted = await records.insertNew(trx, values, pause);
      const seen = winners.filter((i) => !inserted.has(items[i]!.event.requestId));
      if (seen.length > 0) {
        const stored = await records.hashesOf(
          trx,
          seen.map((i) => items[i]!.event.requestId),
        );
        for (const i of seen) {
          const p = items[i]!;
          const hash = stored.get(p.event.requestId);
          if (hash === p.hash) {
            outcomes[i] = 'duplicate';
          } else {
            outcomes[i] = 'conflict';
            deps.log.warn(
              { requestId: p.event.requestId, storedHash: hash, incomingHash: p.hash, source: p.event.source },
              'usage event conflicts with a stored record: rejected',
            );
          }
        }
      }
      const fresh =
        seen.length === 0
          ? winners.map((i) => items[i]!)
          : winners.filter((i) => inserted.has(items[i]!.event.requestId)).map((i) => items[i]!);
      const charged = fresh.filter((p) => p.cost > 0n);
      if (charged.length > 0) {
        await deps.ledger.postBatch(chargesFor(charged, txnIds, createdAt), trx, { pause });
        await pause();
        await deps.spend.recordSpend(trx, spendsFor(charged), { pause });
        await pause();
      }
      if (fresh.length > 0) {
        const rollup = new RollupAggregator();
        for (let n = 0; n < fresh.length; n++) {
          rollup.add(fresh[n]!);
          if (n % STEP === STEP - 1) await pause();
        }
        await rollups.apply(trx, rollup.deltas(), pause);
      }
    });
    for (const l of losers) {
      outcomes[l.index] = loserOutcome(outcomes[l.winner]!, l.sameContent);
      if (outcomes[l.index] === 'conflict') {
        const p = items[l.index]!;
        deps.log.warn(
          {
            requestId: p.event.requestId,
            storedHash: items[l.winner]!.hash,
            incomingHash: p.hash,
            source: p.event.source,
          },
          'usage event conflicts with another in the same batch: rejected',
        );
      }
    }
    return outcomes;
  };
}
