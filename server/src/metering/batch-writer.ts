// Executes one metering batch in ONE database transaction: usage records (new ids only) → ledger
// charges (ledger.postBatch, idempotency key usage:<requestId>) → budget spend → rollups. Either
// all of it commits or none of it does, so a charge never exists without its record or rollup.
// On SQLite (synchronous) the work pauses every SLICE_MS to let the event loop run: the
// transaction stays open across the pauses (see README "Event loop").
import type { Logger } from 'pino';
import type { SpendRecorder } from '../budgets/ports.js';
import type { Db } from '../db/database.js';
import { createPause } from '../ledger/pause.js';
import type { Ledger } from '../ledger/ports.js';
import { newIds } from '../shared/ids.js';
import { chargeFor, dedupeInBatch, loserOutcome, pushUsageRow, spendsFor } from './batch-plan.js';
import type { IngestOutcome } from './ports.js';
import type { PreparedEvent } from './prepared-event.js';
import { aggregateRollups } from './rollup-math.js';
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

const compareIds = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export type BatchWriter = (items: readonly PreparedEvent[]) => Promise<IngestOutcome[]>;

export function createBatchWriter(deps: BatchWriterDeps): BatchWriter {
  const records = new UsageRecordStore(deps.db);
  const rollups = new RollupStore(deps.db);
  const sliceMs = deps.sliceMs ?? 1;

  return async function writeBatch(items) {
    const outcomes: IngestOutcome[] = new Array<IngestOutcome>(items.length).fill('accepted');
    const { winners, losers } = dedupeInBatch(items);
    // Rows go in request-id order: concurrent batches (several writers, several nodes) that share
    // an id then wait on each other's unique-index entry in the same order, never in a cycle.
    if (!deps.db.sqlite) winners.sort((a, b) => compareIds(items[a]!.event.requestId, items[b]!.event.requestId));
    const createdAt = deps.now();
    // PostgreSQL waits on the network, not on the CPU: nothing to slice there.
    const pause = deps.db.sqlite ? createPause(sliceMs) : undefined;
    await deps.db.kysely.transaction().execute(async (trx) => {
      const ids = newIds('use', new Array<number>(winners.length).fill(createdAt));
      const values: unknown[] = [];
      for (let n = 0; n < winners.length; n++) pushUsageRow(values, items[winners[n]!]!, ids[n]!, createdAt);
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
        await deps.ledger.postBatch(charged.map(chargeFor), trx, pause ? { pause } : {});
        await pause?.();
        await deps.spend.recordSpend(trx, spendsFor(charged));
        await pause?.();
      }
      if (fresh.length > 0) await rollups.apply(trx, aggregateRollups(fresh), pause);
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
