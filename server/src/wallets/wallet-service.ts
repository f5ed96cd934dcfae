// Wallets: one per tenant, created on demand. The balance moves only through ledger transactions
// (which keep wallets.balance equal to the wallet account's postings in the same DB transaction);
// `reserved` belongs to the budgets area. Money-out operations (admin debit, refund) are refused
// when they would leave the wallet's available amount below zero, checked by a conditional UPDATE
// in the same transaction as the posting, so two concurrent debits cannot both pass.
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { toBig, toNum } from '../db/database.js';
import { AppError, invalid } from '../shared/errors.js';
import { formatMoney, MAX_AMOUNT, type Nano } from '../shared/money.js';
import {
  ACCOUNTS,
  walletAccount,
  type DbOrTrx,
  type PostedTransaction,
  type TransactionInput,
  type TransactionKind,
} from '../ledger/ports.js';
import { inTransaction, type LedgerStore } from '../ledger/ledger-store.js';
import { availableOf, availableSql, type Wallet, type WalletMode, type WalletOperation } from './wallet-rules.js';

export interface AdjustInput {
  amount: Nano;
  operation: WalletOperation;
  reason: string;
  actorId?: string | null;
  idempotencyKey: string;
  at?: number;
}

export interface MoneyMovementInput {
  amount: Nano;
  idempotencyKey: string;
  /** e.g. Stripe payment intent / event id, redemption code. */
  reference?: string | null;
  memo?: string | null;
  actorId?: string | null;
  at?: number;
}

export interface WalletMovement {
  transaction: PostedTransaction;
  wallet: Wallet;
}

export interface WalletService {
  getWallet(tenantId: string, trx?: DbOrTrx): Promise<Wallet>;
  setMode(tenantId: string, mode: WalletMode, creditLimit: Nano): Promise<Wallet>;
  /** Admin credit (adjustments → wallet) or debit (wallet → adjustments; refused beyond available). */
  adjust(tenantId: string, input: AdjustInput): Promise<WalletMovement>;
  /** Paid money arrives (payment clearing → wallet). */
  topUp(tenantId: string, input: MoneyMovementInput): Promise<WalletMovement>;
  /** Money paid back to the customer's payment method (wallet → payment clearing; refused beyond available). */
  refund(tenantId: string, input: MoneyMovementInput): Promise<WalletMovement>;
}

/** Create the tenant's wallet row if missing (budgets may call this before reserving). */
export async function ensureWallet(db: DbOrTrx, tenantId: string, currency: string, now: number): Promise<void> {
  await db
    .insertInto('wallets')
    .values({
      tenant_id: tenantId,
      mode: 'prepaid',
      credit_limit: 0n,
      balance: 0n,
      reserved: 0n,
      currency,
      updated_at: now,
    })
    .onConflict((oc) => oc.column('tenant_id').doNothing())
    .execute();
}

function positive(amount: Nano): void {
  if (amount <= 0n) throw invalid('amount', 'must be greater than zero');
}

export function createWalletService(
  db: Kysely<Database>,
  ledger: LedgerStore,
  opts: { currency: string; now: () => number },
): WalletService {
  async function read(tenantId: string, trx: DbOrTrx = db): Promise<Wallet> {
    await ensureWallet(trx, tenantId, opts.currency, opts.now());
    const row = await trx.selectFrom('wallets').selectAll().where('tenant_id', '=', tenantId).executeTakeFirstOrThrow();
    const w = {
      tenantId: row.tenant_id,
      mode: row.mode,
      balance: toBig(row.balance),
      reserved: toBig(row.reserved),
      creditLimit: toBig(row.credit_limit),
      currency: row.currency,
      updatedAt: toNum(row.updated_at),
    };
    return { ...w, available: availableOf(w) };
  }

  /**
   * Post a wallet movement and check the wallet's end state in the same transaction: money out
   * ('available') is refused if the available amount would end below zero; money in ('ceiling') if
   * the balance would pass MAX_AMOUNT. The ledger's upsert has already locked the wallet row
   * (PostgreSQL) or the whole database is single-writer (SQLite), so the conditional UPDATE sees
   * the final balance. The ceiling keeps every balance far inside 64-bit integers: one more credit
   * (at most MAX_AMOUNT) cannot overflow, where SQLite would silently turn the sum into a float.
   */
  async function move(
    tenantId: string,
    input: TransactionInput,
    guard: 'available' | 'ceiling',
  ): Promise<WalletMovement> {
    // No ensureWallet first: the ledger creates the row, and every writer must lock ledger_accounts
    // before wallets (the ledger's order) or PostgreSQL could deadlock two writers.
    return inTransaction(db, async (trx) => {
      const transaction = await ledger.post(input, trx);
      if (!transaction.replayed) {
        const check = trx.updateTable('wallets').set({ updated_at: opts.now() }).where('tenant_id', '=', tenantId);
        const res = await (
          guard === 'available' ? check.where(availableSql(), '>=', 0n) : check.where('balance', '<=', MAX_AMOUNT)
        ).executeTakeFirst();
        const amount = input.postings.find((p) => p.account === walletAccount(tenantId))?.amount ?? 0n;
        if (res.numUpdatedRows === 0n && guard === 'available')
          throw new AppError('insufficient_balance', `the wallet cannot cover ${formatMoney(-amount)}`, { tenantId });
        if (res.numUpdatedRows === 0n)
          throw invalid('amount', `the wallet balance would pass the largest amount (${formatMoney(MAX_AMOUNT)})`);
      }
      return { transaction, wallet: await read(tenantId, trx) };
    });
  }

  function movement(
    kind: TransactionKind,
    tenantId: string,
    from: string,
    to: string,
    m: {
      amount: Nano;
      idempotencyKey: string;
      memo?: string | null;
      reference?: string | null;
      actorId?: string | null;
      at?: number;
    },
  ): TransactionInput {
    return {
      idempotencyKey: m.idempotencyKey,
      kind,
      tenantId,
      postings: [
        { account: from, amount: -m.amount },
        { account: to, amount: m.amount },
      ],
      ...(m.memo ? { memo: m.memo } : {}),
      ...(m.reference ? { reference: m.reference } : {}),
      ...(m.actorId ? { actorId: m.actorId } : {}),
      at: m.at ?? opts.now(),
    };
  }

  return {
    getWallet: (tenantId, trx) => read(tenantId, trx),

    async setMode(tenantId, mode, creditLimit) {
      if (creditLimit < 0n) throw invalid('credit_limit', 'must not be negative');
      const now = opts.now();
      await db
        .insertInto('wallets')
        .values({
          tenant_id: tenantId,
          mode,
          credit_limit: creditLimit,
          balance: 0n,
          reserved: 0n,
          currency: opts.currency,
          updated_at: now,
        })
        .onConflict((oc) => oc.column('tenant_id').doUpdateSet({ mode, credit_limit: creditLimit, updated_at: now }))
        .execute();
      return read(tenantId);
    },

    async adjust(tenantId, a) {
      positive(a.amount);
      if (!a.reason.trim()) throw invalid('reason', 'is required');
      const wallet = walletAccount(tenantId);
      const credit = a.operation === 'CREDIT';
      const input = movement(
        'adjustment',
        tenantId,
        credit ? ACCOUNTS.adjustments : wallet,
        credit ? wallet : ACCOUNTS.adjustments,
        {
          ...a,
          memo: a.reason,
          reference: a.operation,
        },
      );
      return move(tenantId, input, credit ? 'ceiling' : 'available');
    },

    async topUp(tenantId, m) {
      positive(m.amount);
      return move(
        tenantId,
        movement('top_up', tenantId, ACCOUNTS.paymentClearing, walletAccount(tenantId), m),
        'ceiling',
      );
    },

    async refund(tenantId, m) {
      positive(m.amount);
      return move(
        tenantId,
        movement('refund', tenantId, walletAccount(tenantId), ACCOUNTS.paymentClearing, m),
        'available',
      );
    },
  };
}
