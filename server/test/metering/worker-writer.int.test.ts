// METERING_WRITER=worker: the same pipeline with the batch written by a worker thread on its own
// connection. Charges, idempotency, conflicts, refusals, replay and many short transactions per
// chunk must behave exactly as inline.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { ACCOUNTS, walletAccount } from '../../src/ledger/ports.js';
import { startWorkerWriter } from '../../src/metering/worker-writer.js';
import { eachDialect } from '../support/db.js';
import { createHarness, usageChargeLines, usageEvent, type Harness } from './support.js';

eachDialect('metering pipeline, writer thread', (dialect) => {
  let h: Harness;
  beforeEach(async () => {
    h = await createHarness(dialect, { worker: {} });
  });
  afterEach(async () => h.close());

  const recordOf = (requestId: string) =>
    h.db.kysely.selectFrom('usage_records').selectAll().where('request_id', '=', requestId).executeTakeFirst();

  it('records and charges once; the same event 10× is one record and one charge line; conflicts rejected', async () => {
    const e = usageEvent();
    const outcomes = await Promise.all(Array.from({ length: 10 }, () => h.pipeline.ingest({ event: e })));
    expect(outcomes.filter((o) => o === 'accepted')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'duplicate')).toHaveLength(9);
    expect(await h.pipeline.ingest({ event: { ...e, source: 'http' } })).toBe('duplicate');
    expect(await h.pipeline.ingest({ event: { ...e, completionTokens: 501 } })).toBe('conflict');
    const rec = await recordOf(e.requestId);
    expect(rec?.cost).toBe(7_500_000n);
    const lines = await usageChargeLines(h.db.kysely, e.requestId);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ account: walletAccount('ten_a'), amount: -7_500_000n });
    expect(lines[0]!.transaction_id).toBe(rec?.transaction_id);
    expect(await h.ledger.balance(walletAccount('ten_a'))).toBe(-7_500_000n);
    expect(await h.ledger.balance(ACCOUNTS.revenue)).toBe(7_500_000n);
  });

  it('refuses an unpriced model before anything reaches the thread', async () => {
    await expect(h.pipeline.ingest({ event: usageEvent({ model: 'mystery-model' }) })).rejects.toMatchObject({
      code: 'model_not_priced',
    });
  });

  it('writes a large chunk: every event once with its own charge line, books balanced', async () => {
    const p = h.restart({ batchSize: 3000, flushMs: 1 });
    const events = Array.from({ length: 2500 }, (_, i) => usageEvent({ tenantId: `ten_${i % 3}` }));
    for (const e of events) p.enqueue({ event: e });
    await p.flush();
    const n = await h.db.kysely
      .selectFrom('usage_records')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(n.n)).toBe(2500);
    // One usage_charge per (tenant, transaction); every call has its own line.
    const lines = await h.db.kysely
      .selectFrom('ledger_postings')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('reference', 'is not', null)
      .executeTakeFirstOrThrow();
    expect(Number(lines.n)).toBe(2500);
    // One usage_charge per tenant and transaction. SQLite: short transactions — the thread starts
    // at 256 rows and at most doubles, so the chunk took at least four, each charging each of the
    // three tenants. PostgreSQL: a chunk is one transaction.
    const charges = await h.db.kysely
      .selectFrom('ledger_transactions')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('kind', '=', 'usage_charge')
      .executeTakeFirstOrThrow();
    expect(Number(charges.n)).toBeGreaterThanOrEqual(dialect === 'sqlite' ? 12 : 3);
    for (let t = 0; t < 3; t++) {
      const calls = BigInt(events.filter((e) => e.tenantId === `ten_${t}`).length);
      expect(await h.ledger.balance(walletAccount(`ten_${t}`))).toBe(-calls * 7_500_000n);
    }
    expect(await h.ledger.balance(ACCOUNTS.revenue)).toBe(2500n * 7_500_000n);
  });

  it('replays a dead process spool through the thread without double counting', async () => {
    const slow = h.restart({ batchSize: 100_000, flushMs: 60_000 });
    const events = Array.from({ length: 25 }, () => usageEvent());
    for (const e of events) slow.enqueue({ event: e });
    await slow.spooled();
    const again = h.restart();
    expect((await again.replay()).events).toBe(25);
    expect(await h.ledger.balance(walletAccount('ten_a'))).toBe(-25n * 7_500_000n);
    expect((await h.restart().replay()).events).toBe(0);
  });
});

it('a writer thread that cannot start reports unhealthy (the pipeline then waits, it does not dead-letter)', async () => {
  // The database's directory is a file: the thread fails to open its connection.
  const notADir = join(mkdtempSync(join(tmpdir(), 'tollgate-worker-')), 'file');
  writeFileSync(notADir, '');
  const writer = startWorkerWriter(
    {
      db: { url: `sqlite:${notADir}/x.db` },
      currency: 'USD',
      definitionTtlMs: 1000,
      maxRows: 10,
      txnMs: 5,
    },
    { log: pino({ level: 'silent' }), now: () => 0 },
  );
  expect(await writer.healthy()).toBe(false);
  await expect(writer.write([], [])).rejects.toThrow(/exited/);
  await writer.close();
});

it('starts from any working directory (under tsx the thread resolves tsx from this module, not the cwd)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-worker-'));
  const cwd = process.cwd();
  process.chdir(tmpdir());
  const writer = startWorkerWriter(
    { db: { url: `sqlite:${dir}/x.db` }, currency: 'USD', definitionTtlMs: 1000, maxRows: 10, txnMs: 5 },
    { log: pino({ level: 'silent' }), now: () => 0 },
  );
  try {
    expect(await writer.healthy()).toBe(true);
  } finally {
    process.chdir(cwd);
    await writer.close();
  }
});
