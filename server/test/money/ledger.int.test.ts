// The ledger on real SQLite and PostgreSQL: balanced posts, idempotent replays under concurrency,
// balance caches equal to the sum of postings, reversals, batches.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLedgerStore, type LedgerStore } from '../../src/ledger/ledger-store.js';
import { listTransactions, recomputeBalances } from '../../src/ledger/ledger-queries.js';
import { ACCOUNTS, walletAccount, type TransactionInput } from '../../src/ledger/ports.js';
import { toBig } from '../../src/db/database.js';
import { createTestDb, eachDialect, type TestDb } from '../support/db.js';

const T0 = Date.UTC(2026, 0, 15, 12, 0, 0);
let seq = 0;
const key = (p = 'k') => `${p}-${++seq}-${Math.random().toString(36).slice(2)}`;

function credit(tenantId: string, amount: bigint, idempotencyKey = key(), at = T0): TransactionInput {
  return {
    idempotencyKey,
    kind: 'top_up',
    tenantId,
    postings: [
      { account: ACCOUNTS.paymentClearing, amount: -amount },
      { account: walletAccount(tenantId), amount },
    ],
    memo: 'test top-up',
    at,
  };
}

function charge(tenantId: string, amount: bigint, idempotencyKey = key('use')): TransactionInput {
  return {
    idempotencyKey,
    kind: 'usage_charge',
    tenantId,
    postings: [
      { account: walletAccount(tenantId), amount: -amount },
      { account: ACCOUNTS.revenue, amount },
    ],
    reference: idempotencyKey,
    at: T0,
  };
}

eachDialect('ledger', (dialect) => {
  let db: TestDb;
  let ledger: LedgerStore;
  beforeAll(async () => {
    db = await createTestDb(dialect, { poolSize: 25 });
    ledger = createLedgerStore(db, { currency: 'USD', now: () => T0 });
  });
  afterAll(async () => db.close());

  const walletBalance = async (tenantId: string) =>
    toBig(
      (await db.kysely.selectFrom('wallets').select('balance').where('tenant_id', '=', tenantId).executeTakeFirst())
        ?.balance,
    );

  it('posts a balanced transaction and updates the account and wallet caches', async () => {
    const posted = await ledger.post(credit('ten_a', 5_000_000_000n));
    expect(posted.replayed).toBe(false);
    expect(posted.id).toMatch(/^txn_/);
    expect(await ledger.balance(walletAccount('ten_a'))).toBe(5_000_000_000n);
    expect(await ledger.balance(ACCOUNTS.paymentClearing)).toBe(-5_000_000_000n);
    expect(await walletBalance('ten_a')).toBe(5_000_000_000n);
    expect((await recomputeBalances(db.kysely)).ok).toBe(true);
  });

  it('refuses unbalanced, single-posting, zero-amount and unknown-account transactions without writing', async () => {
    const bad: TransactionInput[] = [
      {
        ...credit('ten_b', 1n),
        postings: [
          { account: walletAccount('ten_b'), amount: 1n },
          { account: ACCOUNTS.revenue, amount: 1n },
        ],
      },
      { ...credit('ten_b', 1n), postings: [{ account: walletAccount('ten_b'), amount: 0n }] },
      {
        ...credit('ten_b', 1n),
        postings: [
          { account: walletAccount('ten_b'), amount: 0n },
          { account: ACCOUNTS.revenue, amount: 0n },
        ],
      },
      {
        ...credit('ten_b', 1n),
        postings: [
          { account: 'platform:nowhere', amount: -1n },
          { account: walletAccount('ten_b'), amount: 1n },
        ],
      },
    ];
    for (const input of bad) await expect(ledger.post(input)).rejects.toMatchObject({ code: 'unprocessable' });
    expect(await ledger.balance(walletAccount('ten_b'))).toBe(0n);
    const rows = await db.kysely
      .selectFrom('ledger_transactions')
      .select('id')
      .where('tenant_id', '=', 'ten_b')
      .execute();
    expect(rows).toHaveLength(0);
  });

  it('replays the same key with the same content and refuses different content with idempotency_conflict', async () => {
    const k = key();
    const first = await ledger.post(credit('ten_c', 7n, k));
    const again = await ledger.post(credit('ten_c', 7n, k, T0 + 60_000)); // a later retry: `at` is not content
    expect(again).toMatchObject({ id: first.id, replayed: true, at: T0 });
    await expect(ledger.post(credit('ten_c', 8n, k))).rejects.toMatchObject({
      code: 'idempotency_conflict',
      status: 409,
    });
    expect(await ledger.balance(walletAccount('ten_c'))).toBe(7n);
  });

  it('20 concurrent posts with one key write exactly one transaction', async () => {
    const k = key('same');
    const results = await Promise.all(Array.from({ length: 20 }, () => ledger.post(credit('ten_d', 3_000n, k))));
    expect(new Set(results.map((r) => r.id)).size).toBe(1);
    expect(results.filter((r) => !r.replayed)).toHaveLength(1);
    const rows = await db.kysely
      .selectFrom('ledger_transactions')
      .select('id')
      .where('idempotency_key', '=', k)
      .execute();
    expect(rows).toHaveLength(1);
    expect(await walletBalance('ten_d')).toBe(3_000n);
  });

  it('concurrent posts to one wallet keep its balance equal to the sum of its postings', async () => {
    await ledger.post(credit('ten_e', 1_000_000n));
    const amounts = Array.from({ length: 60 }, (_, i) => BigInt(1 + i * 7));
    await Promise.all(
      amounts.map((a, i) => (i % 3 === 0 ? ledger.post(credit('ten_e', a)) : ledger.post(charge('ten_e', a)))),
    );
    const expected = amounts.reduce((acc, a, i) => (i % 3 === 0 ? acc + a : acc - a), 1_000_000n);
    expect(await walletBalance('ten_e')).toBe(expected);
    expect(await ledger.balance(walletAccount('ten_e'))).toBe(expected);
    const audit = await recomputeBalances(db.kysely);
    expect(audit).toMatchObject({ ok: true, totalOfPostings: 0n, mismatches: [] });
  });

  it('reverses a transaction once; the reversal replays by key and a second reversal is a conflict', async () => {
    const original = await ledger.post(charge('ten_f', 250n));
    const rk = key('rev');
    const reversal = await ledger.reverse(original.id, rk, { actorId: 'usr_admin' });
    expect(reversal.kind).toBe('reversal');
    expect(reversal.reference).toBe(original.id);
    expect(reversal.postings).toEqual(expect.arrayContaining([{ account: walletAccount('ten_f'), amount: 250n }]));
    expect(await ledger.balance(walletAccount('ten_f'))).toBe(0n);
    expect((await ledger.reverse(original.id, rk, { actorId: 'usr_admin' })).replayed).toBe(true);
    await expect(ledger.reverse(original.id, key('rev'))).rejects.toMatchObject({ code: 'conflict' });
    await expect(ledger.reverse(reversal.id, key('rev'))).rejects.toMatchObject({ code: 'conflict' });
    await expect(ledger.reverse('txn_missing', key('rev'))).rejects.toMatchObject({ code: 'not_found' });
    expect(await ledger.balance(walletAccount('ten_f'))).toBe(0n);
  });

  describe('postBatch', () => {
    it('posts many transactions in one caller transaction with replays and in-batch duplicates', async () => {
      const before = await ledger.post(charge('ten_g', 10n, 'batch-existing'));
      const inputs = [
        ...Array.from({ length: 1200 }, (_, i) => charge('ten_g', BigInt(i + 1), `batch-${i}`)),
        charge('ten_g', 10n, 'batch-existing'),
        charge('ten_g', 6n, 'batch-5'), // same content as item 5 (amount i + 1)
      ];
      const results = await db.kysely.transaction().execute((trx) => ledger.postBatch(inputs, trx));
      expect(results).toHaveLength(inputs.length);
      expect(results.filter((r) => !r.replayed)).toHaveLength(1200);
      expect(results[1200]).toMatchObject({ id: before.id, replayed: true });
      expect(results[1201]).toMatchObject({ id: results[5]!.id, replayed: true });
      const sum = (1200n * 1201n) / 2n;
      expect(await walletBalance('ten_g')).toBe(-(sum + 10n));
      expect((await recomputeBalances(db.kysely)).ok).toBe(true);
    });

    it('a conflicting item aborts the whole batch (caller transaction rolls back)', async () => {
      const inputs = [charge('ten_h', 1n, 'h-1'), charge('ten_h', 2n, 'h-2'), charge('ten_h', 3n, 'h-1')];
      await expect(db.kysely.transaction().execute((trx) => ledger.postBatch(inputs, trx))).rejects.toMatchObject({
        code: 'idempotency_conflict',
      });
      expect(await ledger.balance(walletAccount('ten_h'))).toBe(0n);
    });
  });

  it('a store built on a bare Kysely (portable inserts) posts, replays and refuses conflicts alike', async () => {
    const portable = createLedgerStore(db.kysely, { currency: 'USD', now: () => T0 });
    const inputs = [charge('ten_p', 4n, 'p-1'), charge('ten_p', 5n, 'p-2'), charge('ten_p', 4n, 'p-1')];
    const posted = await db.kysely.transaction().execute((trx) => portable.postBatch(inputs, trx));
    expect(posted.map((p) => p.replayed)).toEqual([false, false, true]);
    expect((await ledger.post(charge('ten_p', 5n, 'p-2'))).replayed).toBe(true); // seen by the fast path too
    await expect(portable.post(charge('ten_p', 6n, 'p-2'))).rejects.toMatchObject({ code: 'idempotency_conflict' });
    expect(await walletBalance('ten_p')).toBe(-9n);
  });

  it('lists a tenant’s transactions newest first with postings, filtered by kind and time', async () => {
    await ledger.post(credit('ten_i', 100n, key(), T0 - 86_400_000));
    await ledger.post(charge('ten_i', 30n));
    const all = await listTransactions(db.kysely, { tenantId: 'ten_i', limit: 10 });
    expect(all.nextCursor).toBeNull();
    expect(all.items.map((t) => t.txn.kind)).toEqual(['usage_charge', 'top_up']);
    expect(all.items[0]!.txn.postings).toHaveLength(2);
    const charges = await listTransactions(db.kysely, { tenantId: 'ten_i', kind: 'usage_charge', limit: 10 });
    expect(charges.items).toHaveLength(1);
    const recent = await listTransactions(db.kysely, { tenantId: 'ten_i', from: T0 - 1000, limit: 10 });
    expect(recent.items.map((t) => t.txn.kind)).toEqual(['usage_charge']);
    const page1 = await listTransactions(db.kysely, { tenantId: 'ten_i', limit: 1 });
    expect(page1.items.map((t) => t.txn.kind)).toEqual(['usage_charge']);
    const page2 = await listTransactions(db.kysely, { tenantId: 'ten_i', limit: 1, cursor: page1.nextCursor! });
    expect(page2.items.map((t) => t.txn.kind)).toEqual(['top_up']);
    expect(page2.nextCursor).toBeNull();
  });
});
