// Child process for the crash test: opens the test database, replays the spool left by a previous
// (killed) run, then — in "produce" mode — ingests events forever, printing "ack <requestId>" for
// each one it acknowledged (enqueue: written to the spool, i.e. pipeline.spooled() resolved — the
// group write at the end of the turn; ingest: committed). The parent SIGKILLs
// it mid-stream and checks that every acknowledged event is stored exactly once.
import pino from 'pino';
import type { SpendRecorder } from '../../src/budgets/ports.js';
import { openDb } from '../../src/db/database.js';
import { createLedgerStore } from '../../src/ledger/ledger-store.js';
import { createMeteringPipeline } from '../../src/metering/create-pipeline.js';
import { InMemoryPriceCatalog } from '../../src/pricing/price-catalog.js';
import { systemClock } from '../../src/shared/clock.js';
import { rawPrice, usageEvent } from './support.js';

const [mode, url, dataDir] = process.argv.slice(2) as ['produce' | 'replay', string, string];
const pgSchema = process.env['TEST_PG_SCHEMA'];
const db = openDb({ url, ...(pgSchema ? { pgSchema } : {}) });
const catalog = new InMemoryPriceCatalog();
catalog.replace([rawPrice('gpt-4o', '2.50', '10.00')], []);
const ledger = createLedgerStore(db, { currency: 'USD', now: () => Date.now() });
const spend: SpendRecorder = { recordSpend: async () => {} };
const pipeline = createMeteringPipeline({
  db,
  ledger,
  spend,
  catalog,
  log: pino({ level: 'silent' }),
  clock: systemClock,
  dataDir,
  batchSize: 200,
  flushMs: 5,
  walCheckpointMs: 100,
  ...(process.env['CRASH_WRITER'] === 'worker' ? { worker: { currency: 'USD', definitionTtlMs: 1000, txnMs: 5 } } : {}),
});

const out = (line: string) => process.stdout.write(line + '\n');

const replayed = await pipeline.replay();
out(`replayed ${replayed.events}`);
if (mode === 'replay') {
  await pipeline.close();
  await db.close();
  process.exit(0);
}

for (let i = 0; ; i++) {
  const event = usageEvent({ requestId: `crash_${process.pid}_${i}` });
  if (i % 2 === 0) {
    pipeline.enqueue({ event });
    void pipeline.spooled().then(() => out(`ack ${event.requestId}`));
  } else {
    void pipeline.ingest({ event }).then((o) => out(`ack ${event.requestId} ${o}`));
  }
  // Let batches commit while we produce.
  if (i % 50 === 0) await new Promise((r) => setImmediate(r));
}
