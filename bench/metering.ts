// Metering throughput, end to end through the pipeline: check + price + hash + spool (one group
// write per event-loop turn) + batch (records, ledger charges via postBatch, budget spend, rollups)
// on SQLite and on PostgreSQL. Run: `npx tsx bench/metering.ts` (from the repo root).
// Env: BENCH_EVENTS (default 200000 sqlite / 100000 postgres), METERING_BATCH_SIZE (default 5000, as the app),
// BENCH_PG_URL (default the test database), BENCH_SPEND=none to leave budget spend out,
// BENCH_WRITERS (batches in flight, default the pipeline's), BENCH_WRITER=worker|inline (default
// worker, as the app on a file or PostgreSQL; BENCH_SPEND applies to inline only), METERING_TXN_MS.
// Besides wall-clock events/s it prints CPU µs per event (this process, all threads; on PostgreSQL also the
// server backends that served the run, read from /proc): on a shared machine CPU per event is the
// steadier figure.
import { readFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
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
import { pushUsageRow } from '../server/src/metering/batch-plan.js';
import type { UsageEvent } from '../server/src/metering/ports.js';
import { prepareEvent } from '../server/src/metering/prepared-event.js';
import { UsageRecordStore } from '../server/src/metering/usage-record-store.js';
import { InMemoryPriceCatalog } from '../server/src/pricing/price-catalog.js';
import { systemClock } from '../server/src/shared/clock.js';
import { newId } from '../server/src/shared/ids.js';
import { parseMoney } from '../server/src/shared/money.js';

const PG_URL = process.env['BENCH_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const BATCH = Number(process.env['METERING_BATCH_SIZE'] ?? 5000);
const WRITER = process.env['BENCH_WRITER'] === 'inline' ? 'inline' : 'worker';
const log = pino({ level: 'silent' });

/**
 * The i-th event of a run, built when it is enqueued (like the gateway does): holding every event
 * of the run in memory up front would make the garbage collector trace a heap the server never has.
 */
function eventAt(i: number, run: string, now: number): UsageEvent {
  return {
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
  };
}

/**
 * user+system CPU ms of a local process (PostgreSQL backends) or of one of its threads (`tid`: this
 * process's main thread is tid = pid), from /proc; 0 when unreadable.
 */
function procCpuMs(pid: number, tid?: number): number {
  try {
    const path = tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`;
    const fields = readFileSync(path, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // clock ticks (USER_HZ 100)
  } catch {
    return 0;
  }
}

async function serverCpuMs(db: Db): Promise<number> {
  if (db.dialect !== 'postgres') return 0;
  const { rows } = await db.pool!.query<{ pid: number }>(
    `select pid from pg_stat_activity where application_name = 'tollgate-bench'`,
  );
  return rows.reduce((ms, r) => ms + procCpuMs(r.pid), 0);
}

/** The two models the events use, priced like OpenAI's list prices. */
function benchCatalog(): InMemoryPriceCatalog {
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
  return catalog;
}

async function bench(name: string, db: Db, n: number): Promise<void> {
  await migrateToLatest(db);
  const catalog = benchCatalog();
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
    walCheckpointMs: 500,
    ...(WRITER === 'worker'
      ? { worker: { currency: 'USD', definitionTtlMs: 30_000, txnMs: Number(process.env['METERING_TXN_MS'] ?? 50) } }
      : {}),
    ...(process.env['BENCH_WRITERS'] ? { writers: Number(process.env['BENCH_WRITERS']) } : {}),
  });
  // The writer thread loads its modules first (under tsx: transpiles them): start-up, not throughput.
  await pipeline.ready();
  const run = randomBytes(3).toString('hex');
  const now = Date.now();

  const server0 = await serverCpuMs(db);
  const main0 = procCpuMs(process.pid, process.pid);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    pipeline.enqueue({ event: eventAt(i, run, now) });
    // Yield like a server between requests, so the writer overlaps with producers.
    if (i % 1000 === 999) await new Promise((r) => setImmediate(r));
  }
  const tAccepted = performance.now();
  // While only the writer works (the producer is done): how long does it hold the event loop?
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
  await pipeline.flush();
  loop.disable();
  const t1 = performance.now();
  const cpu = process.cpuUsage(cpu0);
  const mainMs = procCpuMs(process.pid, process.pid) - main0;
  const serverMs = (await serverCpuMs(db)) - server0;
  await pipeline.close();

  const records = await db.kysely
    .selectFrom('usage_records')
    .select((eb) => eb.fn.countAll().as('n'))
    .executeTakeFirstOrThrow();
  // A call's charge: its wallet line (reference = request id) in a usage_charge transaction.
  const charges = await db.kysely
    .selectFrom('ledger_postings as p')
    .innerJoin('ledger_transactions as t', 't.id', 'p.transaction_id')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('t.kind', '=', 'usage_charge')
    .where('p.reference', 'is not', null)
    .executeTakeFirstOrThrow();
  const perSec = (ms: number) => Math.round((n / ms) * 1000).toLocaleString('en-US');
  console.log(
    `${name.padEnd(10)} ${WRITER.padEnd(6)} ${n.toLocaleString('en-US')} events, batch ${BATCH}: ${perSec(t1 - t0)} events/s end to end ` +
      `(${((t1 - t0) / 1000).toFixed(2)} s; accept path alone ${perSec(tAccepted - t0)} events/s) ` +
      `[records ${String(records.n)}, charges ${String(charges.n)}; this process used ${((cpu.user + cpu.system) / 1000 / (t1 - t0)).toFixed(2)} CPU cores ` +
      `→ ${perSec((cpu.user + cpu.system) / 1000)} events per CPU-second; ` +
      `${((cpu.user + cpu.system) / n).toFixed(1)} µs CPU/event here (main thread ${((mainMs * 1000) / n).toFixed(1)})` +
      (db.dialect === 'postgres' ? ` + ${((serverMs * 1000) / n).toFixed(1)} µs in the server` : '') +
      `; event loop delay while the writer drains: p99 ${(loop.percentile(99) / 1e6).toFixed(1)} ms, ` +
      `max ${(loop.max / 1e6).toFixed(1)} ms]`,
  );
  rmSync(dataDir, { recursive: true, force: true });
}

/**
 * The storage floor under the SQLite figure: the same usage rows (same schema, its unique and
 * secondary indexes, the writer's own prepared statement) inserted in 5,000-row transactions with
 * nothing else — no ledger charge, spend, rollup, spool or thread. The pipeline cannot ingest
 * faster than this on the machine, whatever its batching.
 */
async function sqliteFloor(n: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-bench-floor-'));
  const db = openDb({ url: `sqlite:${join(dir, 'floor.db')}` });
  try {
    await migrateToLatest(db);
    const catalog = benchCatalog();
    const records = new UsageRecordStore(db);
    const run = randomBytes(3).toString('hex');
    const now = Date.now();
    let busyUs = 0;
    const t0 = performance.now();
    for (let from = 0; from < n; from += 5000) {
      const values: unknown[] = [];
      const base = `${newId('use', now)}_`;
      for (let i = from; i < Math.min(n, from + 5000); i++) {
        const p = prepareEvent({ event: eventAt(i, run, now) }, catalog);
        if (!p.ok) throw p.error;
        pushUsageRow(values, p.value, base + i.toString(36).padStart(5, '0'), now, null);
      }
      const c0 = process.cpuUsage();
      await db.kysely.transaction().execute((trx) => records.insertNew(trx, values));
      const c = process.cpuUsage(c0);
      busyUs += c.user + c.system;
    }
    const wall = performance.now() - t0;
    console.log(
      `sqlite     floor  ${n.toLocaleString('en-US')} bare usage_records inserts (no ledger, spend, rollups, spool): ` +
        `${Math.round(n / (busyUs / 1e6)).toLocaleString('en-US')} rows per CPU-second of inserting ` +
        `(${(busyUs / n).toFixed(1)} µs/row; ${((wall * 1000) / n).toFixed(1)} µs/row with building the rows)`,
    );
  } finally {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  }
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
    await sqliteFloor(Number(process.env['BENCH_EVENTS'] ?? 200_000));
  }
  if (!only || only === 'postgres') {
    const schema = `bench_${randomBytes(4).toString('hex')}`;
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    await admin.query(`create schema ${schema}`);
    const url = `${PG_URL}${PG_URL.includes('?') ? '&' : '?'}application_name=tollgate-bench`;
    const db = openDb({ url, pgSchema: schema, poolSize: 4 });
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
