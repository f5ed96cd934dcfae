// Metering throughput, end to end through the pipeline: validate + price + hash + spool
// (fs.writeSync per event) + batch (records, ledger charges via postBatch, budget spend, rollups)
// on SQLite and on PostgreSQL. Run: `npx tsx bench/metering.ts` (from the repo root).
// Env: BENCH_EVENTS (default 200000 sqlite / 100000 postgres), METERING_BATCH_SIZE (default 2000),
// BENCH_PG_URL (default the test database), BENCH_SPEND=none to leave budget spend out.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import pino from 'pino';
import { createBudgetServices } from '../server/src/budgets/module.js';
import type { SpendRecorder } from '../server/src/budgets/ports.js';
import { openDb, type Db } from '../server/src/db/database.js';
import { migrateToLatest } from '../server/src/db/migrator.js';
import { createLedgerStore } from '../server/src/ledger/ledger-store.js';
import { createMeteringPipeline } from '../server/src/metering/create-pipeline.js';
import type { UsageEvent } from '../server/src/metering/ports.js';
import { InMemoryPriceCatalog } from '../server/src/pricing/price-catalog.js';
import { systemClock } from '../server/src/shared/clock.js';
import { parseMoney } from '../server/src/shared/money.js';

const PG_URL = process.env['BENCH_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const BATCH = Number(process.env['METERING_BATCH_SIZE'] ?? 2000);
const log = pino({ level: 'silent' });

function events(n: number, run: string): UsageEvent[] {
  const now = Date.now();
  const out: UsageEvent[] = [];
  for (let i = 0; i < n; i++) {
    out.push({
      requestId: `bench_${run}_${i}`,
      source: 'gateway',
      tenantId: `ten_${i % 20}`,
      userId: `usr_${i % 200}`,
      keyId: `key_${i % 400}`,
      agent: i % 3 === 0 ? 'writer' : null,
      conversationId: null,
      conversationTitle: null,
      project: null,
      provider: 'openai',
      deploymentId: null,
      model: i % 2 === 0 ? 'gpt-4o' : 'gpt-4o-mini',
      promptTokens: 500 + (i % 1000),
      completionTokens: 100 + (i % 300),
      cachedTokens: i % 5 === 0 ? 256 : 0,
      cacheWriteTokens: 0,
      reasoningTokens: 0,
      usageSource: 'provider',
      cost: null,
      providerCost: null,
      latencyMs: 800,
      ttftMs: 120,
      status: 'success',
      stream: true,
      startedAt: now - (i % 86_400_000),
      endedAt: now,
      metadata: null,
    });
  }
  return out;
}

async function bench(name: string, db: Db, n: number): Promise<void> {
  await migrateToLatest(db);
  const catalog = new InMemoryPriceCatalog();
  const price = (model: string, input: string, output: string) => ({
    id: `prc_${model}`,
    model,
    deploymentId: null,
    inputPerMTok: parseMoney(input),
    outputPerMTok: parseMoney(output),
    cachedInputPerMTok: null,
    cacheWritePerMTok: null,
    reasoningPerMTok: null,
    free: false,
    effectiveFrom: 0,
    createdBy: null,
    createdAt: 0,
  });
  catalog.replace([price('gpt-4o', '2.50', '10.00'), price('gpt-4o-mini', '0.15', '0.60')], []);
  const ledger = createLedgerStore(db, { currency: 'USD', now: () => Date.now() });
  const spend: SpendRecorder =
    process.env['BENCH_SPEND'] === 'none'
      ? { recordSpend: async () => {} }
      : createBudgetServices({ db, clock: systemClock, log }, { leaseTtlSeconds: 30, reservationTtlSeconds: 900 })
          .spend;
  const dataDir = mkdtempSync(join(tmpdir(), 'tollgate-bench-'));
  const pipeline = createMeteringPipeline({
    db,
    ledger,
    spend,
    catalog,
    log,
    clock: systemClock,
    dataDir,
    batchSize: BATCH,
    flushMs: 50,
  });
  const evs = events(n, randomBytes(3).toString('hex'));

  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < evs.length; i++) {
    pipeline.enqueue({ event: evs[i]! });
    // Yield like a server between requests, so the writer overlaps with producers.
    if (i % 1000 === 999) await new Promise((r) => setImmediate(r));
  }
  const tAccepted = performance.now();
  await pipeline.flush();
  const t1 = performance.now();
  const cpu = process.cpuUsage(cpu0);
  await pipeline.close();

  const records = await db.kysely
    .selectFrom('usage_records')
    .select((eb) => eb.fn.countAll().as('n'))
    .executeTakeFirstOrThrow();
  const charges = await db.kysely
    .selectFrom('ledger_transactions')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('kind', '=', 'usage_charge')
    .executeTakeFirstOrThrow();
  const perSec = (ms: number) => Math.round((n / ms) * 1000).toLocaleString('en-US');
  console.log(
    `${name.padEnd(10)} ${n.toLocaleString('en-US')} events, batch ${BATCH}: ${perSec(t1 - t0)} events/s end to end ` +
      `(${((t1 - t0) / 1000).toFixed(2)} s; accept path alone ${perSec(tAccepted - t0)} events/s) ` +
      `[records ${String(records.n)}, charges ${String(charges.n)}; this process used ${((cpu.user + cpu.system) / 1000 / (t1 - t0)).toFixed(2)} CPU cores ` +
      `→ ${perSec((cpu.user + cpu.system) / 1000)} events per CPU-second]`,
  );
  rmSync(dataDir, { recursive: true, force: true });
}

async function main(): Promise<void> {
  const only = process.argv[2];
  if (!only || only === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'tollgate-bench-db-'));
    const db = openDb({ url: `sqlite:${join(dir, 'bench.db')}` });
    try {
      await bench('sqlite', db, Number(process.env['BENCH_EVENTS'] ?? 200_000));
    } finally {
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }
  if (!only || only === 'postgres') {
    const schema = `bench_${randomBytes(4).toString('hex')}`;
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    await admin.query(`create schema ${schema}`);
    const db = openDb({ url: PG_URL, pgSchema: schema, poolSize: 4 });
    try {
      await bench('postgres', db, Number(process.env['BENCH_EVENTS'] ?? 100_000));
    } finally {
      await db.close();
      await admin.query(`drop schema ${schema} cascade`);
      await admin.end();
    }
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
