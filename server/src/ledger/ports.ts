// The double-entry ledger as other areas use it. Pure rules live in ledger/ (postings sum to zero,
// idempotency comparison); storage in ledger/ledger-store.ts.
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../db/schema.js';
import type { Nano } from '../shared/money.js';

/** Well-known accounts. Tenant wallets are `wallet:<tenantId>`. */
export const ACCOUNTS = {
  revenue: 'platform:revenue',
  paymentClearing: 'platform:payment_clearing',
  promotional: 'platform:promotional_credit',
  referralPayouts: 'platform:referral_payouts',
  adjustments: 'platform:adjustments',
} as const;
export const walletAccount = (tenantId: string): string => `wallet:${tenantId}`;

export type TransactionKind =
  | 'usage_charge'
  | 'top_up'
  | 'adjustment'
  | 'refund'
  | 'promo_credit'
  | 'referral_commission'
  | 'reversal'
  | 'daily_billing';

export interface PostingInput {
  account: string;
  /** Positive = debit to the account's balance increase convention: wallet +amount = more money. */
  amount: Nano;
  /** What this line is for when a transaction has many (a usage charge: the call's request id). */
  reference?: string;
}

export interface TransactionInput {
  /**
   * The id to give the transaction when it is new (default: a fresh time-sorted id). The metering
   * batch stamps it on its usage records before posting; a replayed key keeps its original id.
   */
  id?: string;
  idempotencyKey: string;
  kind: TransactionKind;
  tenantId: string | null;
  postings: readonly PostingInput[];
  memo?: string;
  /** e.g. the usage request id, the admin who adjusted, the Stripe event id. */
  reference?: string;
  actorId?: string;
  at: number;
}

export interface PostedTransaction {
  id: string;
  idempotencyKey: string;
  kind: TransactionKind;
  tenantId: string | null;
  postings: { account: string; amount: Nano }[];
  memo: string | null;
  reference: string | null;
  at: number;
  /** true when this key had already been posted with the same content (no-op). */
  replayed: boolean;
}

export type DbOrTrx = Kysely<Database> | Transaction<Database>;

export interface PostBatchOptions {
  /** Awaited between the batch's statements (SQLite): lets the event loop run during a long batch. */
  pause?: () => Promise<void>;
}

export interface Ledger {
  /**
   * Post a balanced transaction atomically, idempotent by key: the same key with the same
   * content returns the original (replayed: true); with different content throws
   * AppError('idempotency_conflict'). Updates cached account balances in the same transaction.
   * Pass `trx` to join a caller's transaction (the metering batch does).
   */
  post(input: TransactionInput, trx?: DbOrTrx): Promise<PostedTransaction>;
  /**
   * Post many transactions inside the caller's transaction, efficiently (multi-row inserts, one
   * balance-cache update per account): the metering batch charges thousands of usage events at
   * once this way. Same validation and idempotency semantics per item as post().
   */
  postBatch(inputs: readonly TransactionInput[], trx: DbOrTrx, opts?: PostBatchOptions): Promise<PostedTransaction[]>;
  balance(account: string, trx?: DbOrTrx): Promise<Nano>;
}
