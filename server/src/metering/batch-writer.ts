// Executes one metering batch in ONE database transaction: usage records (new ids only) → ledger
// charges (ledger.postBatch, idempotency key usage:<requestId>) → budget spend → rollups. Either
// all of it commits or none of it does, so a charge never exists without its record or rollup.
import type { Logger } from 'pino';
import type { SpendRecorder } from '../budgets/ports.js';
import type { Db } from '../db/database.js';
import type { Ledger } from '../ledger/ports.js';
import { newIds } from '../shared/ids.js';
import { chargeFor, dedupeInBatch, loserOutcome, spendFor, usageRowValues } from './batch-plan.js';
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
}

export type BatchWriter = (items: readonly PreparedEvent[]) => Promise<IngestOutcome[]>;

export function createBatchWriter(deps: BatchWriterDeps): BatchWriter {
  const records = new UsageRecordStore(deps.db);
  const rollups = new RollupStore(deps.db);

  return async function writeBatch(items) {
    const outcomes: IngestOutcome[] = new Array<IngestOutcome>(items.length).fill('accepted');
    const { winners, losers } = dedupeInBatch(items);
    const createdAt = deps.now();
    await deps.db.kysely.transaction().execute(async (trx) => {
      const ids = newIds('use', new Array<number>(winners.length).fill(createdAt));
      const rows = winners.map((i, n) => usageRowValues(items[i]!, ids[n]!, createdAt));
      const inserted = await records.insertNew(trx, rows);
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
      const fresh = winners.filter((i) => inserted.has(items[i]!.event.requestId)).map((i) => items[i]!);
      const charged = fresh.filter((p) => p.cost > 0n);
      if (charged.length > 0) {
        await deps.ledger.postBatch(charged.map(chargeFor), trx);
        await deps.spend.recordSpend(trx, charged.map(spendFor));
      }
      if (fresh.length > 0) await rollups.apply(trx, aggregateRollups(fresh));
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
