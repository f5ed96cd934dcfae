// Wallets on real SQLite and PostgreSQL: created on demand, balance = postings, prepaid debits
// refused beyond available (also under concurrency), postpaid credit limits, reserved respected.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createLedgerStore, type LedgerStore } from '../../src/ledger/ledger-store.js';
import { recomputeBalances } from '../../src/ledger/ledger-queries.js';
import { walletAccount } from '../../src/ledger/ports.js';
import { createWalletService, type WalletService } from '../../src/wallets/wallet-service.js';
import { MAX_AMOUNT, parseMoney } from '../../src/shared/money.js';
import { createTestDb, eachDialect, type TestDb } from '../support/db.js';

const T0 = Date.UTC(2026, 0, 15, 12, 0, 0);
let n = 0;
const key = () => `w-${++n}-${Math.random().toString(36).slice(2)}`;
const USD = (s: string) => parseMoney(s);

eachDialect('wallets', (dialect) => {
  let db: TestDb;
  let ledger: LedgerStore;
  let wallets: WalletService;
  beforeAll(async () => {
    db = await createTestDb(dialect, { poolSize: 25 });
    ledger = createLedgerStore(db, { currency: 'EUR', now: () => T0 });
    wallets = createWalletService(db.kysely, ledger, { currency: 'EUR', now: () => T0 });
  });
  afterAll(async () => db.close());

  it('a first read creates an empty prepaid wallet', async () => {
    expect(await wallets.getWallet('ten_new')).toEqual({
      tenantId: 'ten_new',
      mode: 'prepaid',
      balance: 0n,
      reserved: 0n,
      available: 0n,
      creditLimit: 0n,
      currency: 'EUR',
      updatedAt: T0,
    });
  });

  it('credits, top-ups and refunds move the balance through the ledger', async () => {
    const credit = await wallets.adjust('ten_a', {
      amount: USD('10'),
      operation: 'CREDIT',
      reason: 'welcome',
      actorId: 'usr_1',
      idempotencyKey: key(),
    });
    expect(credit.transaction.kind).toBe('adjustment');
    expect(credit.wallet.balance).toBe(USD('10'));
    await wallets.topUp('ten_a', { amount: USD('5.5'), idempotencyKey: key(), reference: 'pi_123' });
    const refunded = await wallets.refund('ten_a', { amount: USD('2'), idempotencyKey: key(), memo: 'customer asked' });
    expect(refunded.wallet.balance).toBe(USD('13.5'));
    expect(await ledger.balance(walletAccount('ten_a'))).toBe(USD('13.5'));
    expect((await recomputeBalances(db.kysely)).ok).toBe(true);
  });

  it('refuses zero or negative amounts and an empty reason', async () => {
    await expect(
      wallets.adjust('ten_a', { amount: 0n, operation: 'CREDIT', reason: 'x', idempotencyKey: key() }),
    ).rejects.toMatchObject({ code: 'validation_error' });
    await expect(wallets.topUp('ten_a', { amount: -1n, idempotencyKey: key() })).rejects.toMatchObject({
      code: 'validation_error',
    });
    await expect(
      wallets.adjust('ten_a', { amount: 1n, operation: 'CREDIT', reason: '  ', idempotencyKey: key() }),
    ).rejects.toMatchObject({ code: 'validation_error' });
  });

  it('refuses a credit or top-up that would take the balance past the largest amount; nothing is posted', async () => {
    const max = MAX_AMOUNT;
    await wallets.topUp('ten_max', { amount: max, idempotencyKey: key() });
    const before = await ledger.balance(walletAccount('ten_max'));
    for (const attempt of [
      () => wallets.topUp('ten_max', { amount: 1n, idempotencyKey: key() }),
      () => wallets.adjust('ten_max', { amount: max, operation: 'CREDIT', reason: 'again', idempotencyKey: key() }),
    ]) {
      await expect(attempt()).rejects.toMatchObject({ code: 'validation_error', details: { field: 'amount' } });
    }
    // Rolled back whole: the wallet, its ledger account and the books are as before.
    expect((await wallets.getWallet('ten_max')).balance).toBe(max);
    expect(await ledger.balance(walletAccount('ten_max'))).toBe(before);
    expect((await recomputeBalances(db.kysely)).ok).toBe(true);
    // Money out still works, and then room for money in again.
    await wallets.refund('ten_max', { amount: USD('1'), idempotencyKey: key() });
    expect((await wallets.topUp('ten_max', { amount: USD('1'), idempotencyKey: key() })).wallet.balance).toBe(max);
  });

  it('refuses a prepaid DEBIT beyond available, and counts reserved money as unavailable', async () => {
    await wallets.adjust('ten_b', { amount: USD('10'), operation: 'CREDIT', reason: 'seed', idempotencyKey: key() });
    // The budgets area sets money aside by raising `reserved`.
    await db.kysely
      .updateTable('wallets')
      .set({ reserved: USD('4') })
      .where('tenant_id', '=', 'ten_b')
      .execute();
    await expect(
      wallets.adjust('ten_b', {
        amount: USD('6.000000001'),
        operation: 'DEBIT',
        reason: 'too much',
        idempotencyKey: key(),
      }),
    ).rejects.toMatchObject({ code: 'insufficient_balance' });
    await expect(wallets.refund('ten_b', { amount: USD('7'), idempotencyKey: key() })).rejects.toMatchObject({
      code: 'insufficient_balance',
    });
    const ok = await wallets.adjust('ten_b', {
      amount: USD('6'),
      operation: 'DEBIT',
      reason: 'exactly available',
      idempotencyKey: key(),
    });
    expect(ok.wallet).toMatchObject({ balance: USD('4'), reserved: USD('4'), available: 0n });
    expect((await recomputeBalances(db.kysely)).ok).toBe(true);
  });

  it('a replayed DEBIT returns the original even when the wallet could no longer cover it', async () => {
    await wallets.adjust('ten_c', { amount: USD('3'), operation: 'CREDIT', reason: 'seed', idempotencyKey: key() });
    const k = key();
    const first = await wallets.adjust('ten_c', {
      amount: USD('3'),
      operation: 'DEBIT',
      reason: 'all of it',
      idempotencyKey: k,
    });
    const again = await wallets.adjust('ten_c', {
      amount: USD('3'),
      operation: 'DEBIT',
      reason: 'all of it',
      idempotencyKey: k,
    });
    expect(again.transaction).toMatchObject({ id: first.transaction.id, replayed: true });
    expect(again.wallet.balance).toBe(0n);
  });

  it('concurrent DEBITs never take a prepaid wallet below zero', async () => {
    await wallets.adjust('ten_d', { amount: USD('1'), operation: 'CREDIT', reason: 'seed', idempotencyKey: key() });
    const results = await Promise.allSettled(
      Array.from({ length: 25 }, () =>
        wallets.adjust('ten_d', { amount: USD('0.1'), operation: 'DEBIT', reason: 'race', idempotencyKey: key() }),
      ),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(10);
    for (const r of results)
      if (r.status === 'rejected') expect(r.reason).toMatchObject({ code: 'insufficient_balance' });
    expect((await wallets.getWallet('ten_d')).balance).toBe(0n);
    expect((await recomputeBalances(db.kysely)).ok).toBe(true);
  });

  it('a postpaid wallet may go below zero down to its credit limit', async () => {
    const w = await wallets.setMode('ten_e', 'postpaid', USD('50'));
    expect(w).toMatchObject({ mode: 'postpaid', creditLimit: USD('50'), available: USD('50') });
    const debit = await wallets.adjust('ten_e', {
      amount: USD('30'),
      operation: 'DEBIT',
      reason: 'usage',
      idempotencyKey: key(),
    });
    expect(debit.wallet).toMatchObject({ balance: USD('-30'), available: USD('20') });
    await expect(
      wallets.adjust('ten_e', { amount: USD('20.01'), operation: 'DEBIT', reason: 'over', idempotencyKey: key() }),
    ).rejects.toMatchObject({
      code: 'insufficient_balance',
    });
    await wallets.adjust('ten_e', {
      amount: USD('20'),
      operation: 'DEBIT',
      reason: 'to the limit',
      idempotencyKey: key(),
    });
    // Switching back to prepaid keeps the debt; nothing more is available.
    const prepaid = await wallets.setMode('ten_e', 'prepaid', 0n);
    expect(prepaid).toMatchObject({ balance: USD('-50'), available: USD('-50') });
    await expect(wallets.setMode('ten_e', 'postpaid', -1n)).rejects.toMatchObject({ code: 'validation_error' });
  });
});
