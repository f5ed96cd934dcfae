// Pure wallet arithmetic: what a tenant can still spend. The budgets area's conditional UPDATE on
// `wallets.reserved` uses the same formula in SQL (availableSql below), so both agree by construction.
import { sql, type RawBuilder } from 'kysely';
import type { Nano } from '../shared/money.js';

export type WalletMode = 'prepaid' | 'postpaid';
export const WALLET_MODES: readonly WalletMode[] = ['prepaid', 'postpaid'];

export interface Wallet {
  tenantId: string;
  mode: WalletMode;
  /** Sum of postings to wallet:<tenantId> (negative = owed, postpaid). */
  balance: Nano;
  /** Set aside by live budget reservations and leases. */
  reserved: Nano;
  /** balance − reserved (+ creditLimit when postpaid): what new spend may use. */
  available: Nano;
  /** How far below zero a postpaid wallet may go; ignored for prepaid. */
  creditLimit: Nano;
  currency: string;
  updatedAt: number;
}

export function availableOf(w: { mode: WalletMode; balance: Nano; reserved: Nano; creditLimit: Nano }): Nano {
  return w.balance - w.reserved + (w.mode === 'postpaid' ? w.creditLimit : 0n);
}

/** The same formula as SQL over the wallets row, for atomic conditional updates. */
export function availableSql(): RawBuilder<bigint> {
  return sql<bigint>`(balance + (case mode when 'postpaid' then credit_limit else 0 end) - reserved)`;
}

export type WalletOperation = 'CREDIT' | 'DEBIT';
