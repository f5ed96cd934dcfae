// Executes one metering batch in ONE database transaction: usage records (new ids only) → ledger
// charges (ledger.postBatch, idempotency key usage:<requestId>) → budget spend → rollups. Either
// all of it commits or none of it does, so a charge never exists without its record or rollup.
// The work pauses every `sliceMs` to let the event loop run (SQLite executes on this thread; on
// PostgreSQL the statements are built and serialised here); the transaction stays open across the
// pauses (see README "Event loop").
import type { Logger } from 'pino';
import type { SpendRecorder } from '../budgets/ports.js';
import type { Db } from '../db/database.js';
import { createPause, type Pause } from '../ledger/pause.js';
import type { Ledger, TransactionInput } from '../ledger/ports.js';
import { newIds } from '../shared/ids.js';
import { chargeFor, dedupeInBatch, loserOutcome, pushUsageRow, spendsFor } from './batch-plan.js';
import type { IngestOutcome } from './ports.js';
import type { PreparedEvent } from './prepared-event.js';
import { RollupAggregator } from './rollup-math.js';
import { RollupStore } from './rollup-store.js';
import { UsageRecordStore } from './usage-record-store.js';

export interface BatchWriterDeps {
  db: Db;
  ledger: Ledger;
  spend: SpendRecorder;
  log: Logger;
  now: () => number;
  /** SQLite: the longest stretch of batch work between two yields to the event loop (ms). */
  sliceMs?: number;
}

export type BatchWriter = (items: readonly PreparedEvent[]) => Promise<IngestOutcome[]>;

/** Events handled between two pause checks in the writer's own loops. */
const STEP = 256;

const compareIds = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export function createBatchWriter(deps: BatchWriterDeps): BatchWriter {
  const records = new UsageRecordStore(deps.db);
  const rollups = new RollupStore(deps.db);
  const sliceMs = deps.sliceMs ?? 1;

  /** Usage rows, flat, in USAGE_COLUMNS order; ids are made STEP at a time. */
  async function usageValues(items: readonly PreparedEvent[], winners: number[], createdAt: number, pause: Pause) {
    const values: unknown[] = [];
    for (let from = 0; from < winners.length; from += STEP) {
      const part = winners.slice(from, from + STEP);
      const ids = newIds('use', new Array<number>(part.length).fill(createdAt));
      for (let n = 0; n < part.length; n++) pushUsageRow(values, items[part[n]!]!, ids[n]!, createdAt);
      await pause();
    }
    return values;
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
      const values = await usageValues(items, winners, createdAt, pause);
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
        const charges: TransactionInput[] = [];
        for (let n = 0; n < charged.length; n++) {
          charges.push(chargeFor(charged[n]!));
          if (n % STEP === STEP - 1) await pause();
        }
        await deps.ledger.postBatch(charges, trx, { pause });
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
