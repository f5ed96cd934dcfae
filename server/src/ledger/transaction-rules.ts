// The ledger's pure rules: what makes a transaction valid (≥2 postings, non-zero amounts, sum zero,
// known accounts, a known kind) and what makes two posts of one idempotency key "the same".
// No I/O and no clock: the store calls these before it writes anything.
import { hash } from 'node:crypto';
import { AppError } from '../shared/errors.js';
import type { Nano } from '../shared/money.js';
import { ACCOUNTS, type PostingInput, type TransactionInput, type TransactionKind } from './ports.js';

export const TRANSACTION_KINDS: readonly TransactionKind[] = [
  'usage_charge',
  'top_up',
  'adjustment',
  'refund',
  'promo_credit',
  'referral_commission',
  'reversal',
  'daily_billing',
];

const PLATFORM_ACCOUNTS = new Set<string>(Object.values(ACCOUNTS));
const WALLET_PREFIX = 'wallet:';
const MAX_TEXT = 2000;

export function isKnownAccount(account: string): boolean {
  if (PLATFORM_ACCOUNTS.has(account)) return true;
  return account.startsWith(WALLET_PREFIX) && account.length > WALLET_PREFIX.length && !/\s/.test(account);
}

/** The tenant id of a wallet account, or null for platform accounts. */
export function walletTenantOf(account: string): string | null {
  return account.startsWith(WALLET_PREFIX) ? account.slice(WALLET_PREFIX.length) : null;
}

/** Why a transaction cannot be posted, or null when it is valid. */
export function transactionProblem(input: TransactionInput): string | null {
  if (typeof input.idempotencyKey !== 'string' || input.idempotencyKey.length === 0)
    return 'idempotency key is required';
  if (input.idempotencyKey.length > 255) return 'idempotency key is longer than 255 characters';
  if (!TRANSACTION_KINDS.includes(input.kind)) return `unknown transaction kind "${String(input.kind)}"`;
  if (!Number.isSafeInteger(input.at)) return 'at must be an epoch-millisecond integer';
  if ((input.memo?.length ?? 0) > MAX_TEXT || (input.reference?.length ?? 0) > MAX_TEXT)
    return 'memo/reference too long';
  if (input.postings.length < 2) return 'a transaction needs at least two postings';
  let sum = 0n;
  for (const p of input.postings) {
    if (typeof p.amount !== 'bigint') return `posting to ${p.account}: amount must be a bigint`;
    if (p.amount === 0n) return `posting to ${p.account}: amount must not be zero`;
    if (!isKnownAccount(p.account)) return `unknown account "${p.account}"`;
    if ((p.reference?.length ?? 0) > MAX_TEXT) return `posting to ${p.account}: reference too long`;
    sum += p.amount;
  }
  if (sum !== 0n) return `postings sum to ${sum}, not zero`;
  return null;
}

/** Throwing form for the store: a malformed transaction is a programming error of the caller. */
export function assertValidTransaction(input: TransactionInput): void {
  const problem = transactionProblem(input);
  if (problem)
    throw new AppError('unprocessable', `invalid ledger transaction: ${problem}`, {
      idempotencyKey: input.idempotencyKey,
    });
}

function canonicalPostings(postings: readonly PostingInput[]): string[] {
  // A line's reference is part of its content; lines without one hash as they always did.
  return postings.map((p) => `${p.account}=${p.amount.toString()}${p.reference ? `@${p.reference}` : ''}`).sort();
}

/**
 * The content two posts of one key must share to be "the same": everything except `at` (a retry
 * happens later) and the order of postings. Hashed so the store keeps one short column.
 */
export function contentHash(input: TransactionInput): string {
  const canonical = JSON.stringify([
    input.kind,
    input.tenantId ?? null,
    canonicalPostings(input.postings),
    input.memo ?? null,
    input.reference ?? null,
    input.actorId ?? null,
  ]);
  return hash('sha256', canonical, 'hex');
}

/** Net change per account of a set of postings (one balance-cache update per account). */
export function netByAccount(postings: Iterable<{ account: string; amount: Nano }>): Map<string, bigint> {
  const net = new Map<string, bigint>();
  for (const p of postings) net.set(p.account, (net.get(p.account) ?? 0n) + p.amount);
  for (const [account, amount] of net) if (amount === 0n) net.delete(account);
  return net;
}

/** The postings that undo a transaction. */
export function reversingPostings(postings: readonly PostingInput[]): PostingInput[] {
  return postings.map((p) => ({ account: p.account, amount: -p.amount }));
}
