// The ledger's storage adapter (both dialects): posts balanced transactions atomically and
// idempotently, keeps the cached account balances and the wallet balances in step in the same
// database transaction. Concurrency: the idempotency key is claimed with INSERT … ON CONFLICT DO
// NOTHING and read back (never check-then-act); balance caches are single-statement upserts taken
// in a fixed account order so concurrent posts cannot deadlock.
import { Kysely, sql, type Transaction } from 'kysely';
import { dialectOf } from '../db/migrator.js';
import type { Database } from '../db/schema.js';
import type { LedgerPostingRow } from '../db/tables/money.js';
import { toBig, type Db } from '../db/database.js';
import { createLedgerBatchSql } from './ledger-batch-sql.js';
import { AppError, conflict, notFound } from '../shared/errors.js';
import { newIds } from '../shared/ids.js';
import type { Nano } from '../shared/money.js';
import type { DbOrTrx, Ledger, PostBatchOptions, PostedTransaction, TransactionInput } from './ports.js';
import {
  assertValidTransaction,
  contentHash,
  netByAccount,
  reversingPostings,
  walletTenantOf,
} from './transaction-rules.js';
import { loadTransactions } from './ledger-queries.js';

export interface ReverseOptions {
  actorId?: string;
  memo?: string;
  at?: number;
}

export interface LedgerStore extends Ledger {
  /** Undo a transaction with a reversing one (append-only corrections); a transaction reverses once. */
  reverse(
    transactionId: string,
    idempotencyKey: string,
    opts?: ReverseOptions,
    trx?: DbOrTrx,
  ): Promise<PostedTransaction>;
}

export interface LedgerStoreOptions {
  /** Currency of wallets created on first post. */
  currency: string;
  now: () => number;
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Run `body` in the caller's transaction, or in a new one when given a plain connection. */
export async function inTransaction<T>(db: DbOrTrx, body: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
  if (db.isTransaction) return body(db as Transaction<Database>);
  return (db as Kysely<Database>).transaction().execute(body);
}

function isUniqueViolation(e: unknown): boolean {
  const err = e as { code?: string; message?: string };
  return err.code === '23505' || /UNIQUE constraint failed/i.test(err.message ?? '');
}

/**
 * Give the opened `Db` (fast batch paths per dialect); a bare Kysely also works (portable inserts,
 * dialect detected from its adapter).
 */
export function createLedgerStore(
  store: Kysely<Database> | Pick<Db, 'kysely' | 'dialect' | 'sqlite'>,
  opts: LedgerStoreOptions,
): LedgerStore {
  const db = store instanceof Kysely ? store : store.kysely;
  const batchSql =
    store instanceof Kysely
      ? createLedgerBatchSql(dialectOf(store))
      : createLedgerBatchSql(store.dialect, store.sqlite);
  /** Apply net balance changes to the account cache and to wallets, in one fixed order. */
  async function applyBalances(trx: Transaction<Database>, net: Map<string, bigint>, now: number): Promise<void> {
    const accounts = [...net.keys()].sort();
    if (accounts.length === 0) return;
    for (const part of chunks(accounts, 1000)) {
      await trx
        .insertInto('ledger_accounts')
        .values(part.map((account) => ({ account, balance: net.get(account)!, updated_at: now })))
        .onConflict((oc) =>
          oc.column('account').doUpdateSet({
            balance: sql`ledger_accounts.balance + excluded.balance`,
            updated_at: sql`excluded.updated_at`,
          }),
        )
        .execute();
    }
    const wallets = accounts.filter((a) => walletTenantOf(a) !== null);
    for (const part of chunks(wallets, 1000)) {
      await trx
        .insertInto('wallets')
        .values(
          part.map((account) => ({
            tenant_id: walletTenantOf(account)!,
            mode: 'prepaid' as const,
            credit_limit: 0n,
            balance: net.get(account)!,
            reserved: 0n,
            currency: opts.currency,
            updated_at: now,
          })),
        )
        .onConflict((oc) =>
          oc.column('tenant_id').doUpdateSet({
            balance: sql`wallets.balance + excluded.balance`,
            updated_at: sql`excluded.updated_at`,
          }),
        )
        .execute();
    }
  }

  async function postBatch(
    inputs: readonly TransactionInput[],
    given: DbOrTrx,
    batchOpts: PostBatchOptions = {},
  ): Promise<PostedTransaction[]> {
    const { pause } = batchOpts;
    if (inputs.length === 0) return [];
    return inTransaction(given, async (trx) => {
      const hashes: string[] = new Array<string>(inputs.length);
      for (let i = 0; i < inputs.length; i++) {
        assertValidTransaction(inputs[i]!);
        hashes[i] = contentHash(inputs[i]!);
        if (pause && i % 256 === 255) await pause();
      }
      const results: (PostedTransaction | null)[] = inputs.map(() => null);

      // Within one batch a repeated key is a replay of (or a conflict with) its first occurrence.
      const firstIndex = new Map<string, number>();
      const unique: number[] = [];
      inputs.forEach((input, i) => {
        const first = firstIndex.get(input.idempotencyKey);
        if (first === undefined) {
          firstIndex.set(input.idempotencyKey, i);
          unique.push(i);
        } else if (hashes[first] !== hashes[i]) {
          throw new AppError(
            'idempotency_conflict',
            `idempotency key ${input.idempotencyKey} reused with different content`,
            {
              idempotencyKey: input.idempotencyKey,
            },
          );
        }
      });

      // Claim keys: rows inserted are ours; keys not inserted were posted before (or concurrently).
      const ids = newIds(
        'txn',
        unique.map((i) => inputs[i]!.at),
      );
      const idAt: string[] = new Array<string>(inputs.length);
      for (let n = 0; n < unique.length; n++) idAt[unique[n]!] = inputs[unique[n]!]!.id ?? ids[n]!;
      let claimed: Set<string>;
      try {
        claimed = await batchSql.claim(
          trx,
          unique.map((i) => {
            const input = inputs[i]!;
            return {
              id: idAt[i]!,
              idempotency_key: input.idempotencyKey,
              kind: input.kind,
              tenant_id: input.tenantId,
              memo: input.memo ?? null,
              reference: input.reference ?? null,
              actor_id: input.actorId ?? null,
              content_hash: hashes[i]!,
              at: input.at,
            };
          }),
          pause,
        );
      } catch (e) {
        // The only other unique index: one reversal per transaction.
        if (isUniqueViolation(e)) throw conflict('transaction has already been reversed');
        throw e;
      }

      const fresh = unique.filter((i) => claimed.has(inputs[i]!.idempotencyKey));
      const replays = unique.filter((i) => !claimed.has(inputs[i]!.idempotencyKey));

      if (replays.length > 0) {
        const existing = await loadTransactions(trx, { keys: replays.map((i) => inputs[i]!.idempotencyKey) });
        const byKey = new Map(existing.map((t) => [t.txn.idempotencyKey, t]));
        for (const i of replays) {
          const key = inputs[i]!.idempotencyKey;
          const found = byKey.get(key);
          if (!found) throw new AppError('internal', `ledger transaction ${key} vanished during replay`);
          if (found.contentHash !== hashes[i]) {
            throw new AppError('idempotency_conflict', `idempotency key ${key} reused with different content`, {
              idempotencyKey: key,
            });
          }
          results[i] = { ...found.txn, replayed: true };
        }
      }

      const postings: LedgerPostingRow[] = [];
      for (const i of fresh) {
        const input = inputs[i]!;
        const txnId = idAt[i]!;
        // Posting ids derive from their transaction's (unique, time-sorted) id: no extra randomness,
        // and a transaction's lines are consecutive keys (index appends, even for a 2,000-line charge).
        const base = `pst_${txnId.slice(4)}_`;
        const many = input.postings.length > 9;
        input.postings.forEach((p, n) =>
          postings.push({
            id: base + (many ? String(n).padStart(6, '0') : String(n)),
            transaction_id: txnId,
            account: p.account,
            amount: p.amount,
            reference: p.reference ?? null,
          }),
        );
        results[i] = {
          id: txnId,
          idempotencyKey: input.idempotencyKey,
          kind: input.kind,
          tenantId: input.tenantId,
          postings: input.postings.map((p) => ({ account: p.account, amount: p.amount })),
          memo: input.memo ?? null,
          reference: input.reference ?? null,
          at: input.at,
          replayed: false,
        };
      }
      await batchSql.insertPostings(trx, postings, pause);
      await applyBalances(trx, netByAccount(postings), opts.now());

      // Later duplicates inside the batch answer like their first occurrence, as replays.
      return inputs.map((input, i) => {
        const own = results[i];
        if (own) return own;
        const first = results[firstIndex.get(input.idempotencyKey)!]!;
        return { ...first, replayed: true };
      });
    });
  }

  async function post(input: TransactionInput, trx?: DbOrTrx): Promise<PostedTransaction> {
    const [posted] = await postBatch([input], trx ?? db);
    return posted!;
  }

  async function balance(account: string, trx?: DbOrTrx): Promise<Nano> {
    const row = await (trx ?? db)
      .selectFrom('ledger_accounts')
      .select('balance')
      .where('account', '=', account)
      .executeTakeFirst();
    return row ? toBig(row.balance) : 0n;
  }

  async function reverse(
    transactionId: string,
    idempotencyKey: string,
    ro: ReverseOptions = {},
    trx?: DbOrTrx,
  ): Promise<PostedTransaction> {
    return inTransaction(trx ?? db, async (t) => {
      const [original] = await loadTransactions(t, { ids: [transactionId] });
      if (!original) throw notFound('transaction');
      if (original.txn.kind === 'reversal')
        throw conflict('a reversal cannot itself be reversed; post a new transaction');
      const input: TransactionInput = {
        idempotencyKey,
        kind: 'reversal',
        tenantId: original.txn.tenantId,
        postings: reversingPostings(original.txn.postings),
        memo: ro.memo ?? `reversal of ${transactionId}`,
        reference: transactionId,
        ...(ro.actorId ? { actorId: ro.actorId } : {}),
        at: ro.at ?? opts.now(),
      };
      return post(input, t);
    });
  }

  return { post, postBatch, balance, reverse };
}
