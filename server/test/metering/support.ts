// Shared fixtures for the metering tests: a pipeline over a real test database with the real
// ledger and price catalog, a recording SpendRecorder, and an event factory.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import pino from 'pino';
import type { SpendRecorder } from '../../src/budgets/ports.js';
import type { DialectName } from '../../src/db/database.js';
import type { Database } from '../../src/db/schema.js';
import { createLedgerStore } from '../../src/ledger/ledger-store.js';
import type { Ledger } from '../../src/ledger/ports.js';
import { createMeteringPipeline } from '../../src/metering/create-pipeline.js';
import type { SpooledPipeline } from '../../src/metering/pipeline.js';
import type { UsageEvent } from '../../src/metering/ports.js';
import { InMemoryPriceCatalog } from '../../src/pricing/price-catalog.js';
import type { RawPrice } from '../../src/pricing/price-rules.js';
import { ManualClock } from '../../src/shared/clock.js';
import { parseMoney } from '../../src/shared/money.js';
import { createTestDb, type TestDb } from '../support/db.js';

export const T0 = Date.UTC(2026, 0, 15, 12, 0, 0);

export function rawPrice(
  model: string,
  input: string,
  output: string,
  effectiveFrom = 0,
  extra: Partial<RawPrice> = {},
): RawPrice {
  return {
    id: `prc_${model}_${effectiveFrom}`,
    model,
    deploymentId: null,
    inputPerMTok: parseMoney(input),
    outputPerMTok: parseMoney(output),
    cachedInputPerMTok: null,
    cacheWritePerMTok: null,
    reasoningPerMTok: null,
    free: false,
    effectiveFrom,
    createdBy: null,
    createdAt: effectiveFrom,
    ...extra,
  };
}

export type SpendCall = Parameters<SpendRecorder['recordSpend']>[1][number];

export interface Harness {
  db: TestDb;
  catalog: InMemoryPriceCatalog;
  ledger: Ledger;
  spends: SpendCall[];
  clock: ManualClock;
  dataDir: string;
  pipeline: SpooledPipeline;
  /** A second pipeline on the same database and spool directory (a restarted process). */
  restart(opts?: { batchSize?: number; flushMs?: number }): SpooledPipeline;
  close(): Promise<void>;
}

export async function createHarness(
  dialect: DialectName,
  opts: {
    batchSize?: number;
    flushMs?: number;
    ledger?: (real: Ledger) => Ledger;
    prices?: RawPrice[];
    /** Write in the worker thread (its own ledger and spend recorder: `ledger` and `spends` do not apply). */
    worker?: { txnMs?: number };
  } = {},
): Promise<Harness> {
  const db = await createTestDb(dialect);
  const clock = new ManualClock(T0);
  const catalog = new InMemoryPriceCatalog();
  catalog.replace(
    opts.prices ?? [rawPrice('gpt-4o', '2.50', '10.00'), rawPrice('free-model', '0', '0', 0, { free: true })],
    [],
  );
  const realLedger = createLedgerStore(db, { currency: 'USD', now: () => clock.now() });
  const ledger = opts.ledger ? opts.ledger(realLedger) : realLedger;
  const spends: SpendCall[] = [];
  const spend: SpendRecorder = { recordSpend: async (_trx, s) => void spends.push(...s) };
  const dataDir = mkdtempSync(join(tmpdir(), 'tollgate-metering-'));
  const log = pino({ level: 'silent' });
  const make = (o: { batchSize?: number; flushMs?: number } = {}) =>
    createMeteringPipeline({
      db,
      ledger,
      spend,
      catalog,
      log,
      clock,
      dataDir,
      batchSize: o.batchSize ?? opts.batchSize ?? 100,
      flushMs: o.flushMs ?? opts.flushMs ?? 5,
      retryDelayMs: () => 5,
      ...(opts.worker ? { worker: { currency: 'USD', definitionTtlMs: 1000, txnMs: opts.worker.txnMs ?? 5 } } : {}),
    });
  const pipeline = make();
  const extra: SpooledPipeline[] = [];
  return {
    db,
    catalog,
    ledger,
    spends,
    clock,
    dataDir,
    pipeline,
    restart(o) {
      const p = make(o);
      extra.push(p);
      return p;
    },
    async close() {
      for (const p of [pipeline, ...extra]) await p.close().catch(() => {});
      await db.close();
    },
  };
}

let seq = 0;
export function usageEvent(over: Partial<UsageEvent> = {}): UsageEvent {
  seq += 1;
  return {
    requestId: `req_test_${process.pid}_${seq}`,
    source: 'gateway',
    tenantId: 'ten_a',
    userId: 'usr_a',
    keyId: 'key_a',
    agent: null,
    conversationId: null,
    conversationTitle: null,
    project: null,
    provider: 'openai',
    deploymentId: null,
    model: 'gpt-4o',
    promptTokens: 1000,
    completionTokens: 500,
    cachedTokens: 0,
    cacheWriteTokens: 0,
    reasoningTokens: 0,
    usageSource: 'provider',
    cost: null,
    providerCost: null,
    latencyMs: 120,
    ttftMs: null,
    status: 'success',
    stream: false,
    startedAt: T0,
    endedAt: T0 + 120,
    metadata: null,
    ...over,
  };
}

/**
 * The ledger lines that charged a call: wallet postings referencing its request id inside
 * usage_charge transactions (one transaction per tenant and batch, one line per call).
 */
export async function usageChargeLines(kysely: Kysely<Database>, requestId: string) {
  return kysely
    .selectFrom('ledger_postings as p')
    .innerJoin('ledger_transactions as t', 't.id', 'p.transaction_id')
    .select(['p.transaction_id', 'p.account', 'p.amount', 't.kind'])
    .where('p.reference', '=', requestId)
    .where('t.kind', '=', 'usage_charge')
    .execute();
}
