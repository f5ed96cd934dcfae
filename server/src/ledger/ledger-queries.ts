// Reading the ledger: transactions with their postings (by key, by id, or a filtered page), and
// the cache audit that proves every cached balance equals the sum of its postings.
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { LedgerTransactionRow } from '../db/tables/money.js';
import { toBig, toNum } from '../db/database.js';
import type { DbOrTrx, PostedTransaction, TransactionKind } from './ports.js';
import { walletTenantOf } from './transaction-rules.js';

const IN_CHUNK = 500;

export interface StoredTransaction {
  txn: PostedTransaction;
  contentHash: string;
  actorId: string | null;
}

/**
 * Postings per transaction, netted per account (in first-line order): a usage charge has one wallet
 * line per call (thousands), which its reader sees as one wallet amount and one revenue amount.
 */
async function withPostings(db: DbOrTrx, rows: readonly LedgerTransactionRow[]): Promise<StoredTransaction[]> {
  const postings = new Map<string, { account: string; amount: bigint }[]>();
  const ids = rows.map((r) => r.id);
  for (let i = 0; i < ids.length; i += IN_CHUNK) {
    const part = ids.slice(i, i + IN_CHUNK);
    const found = await db
      .selectFrom('ledger_postings')
      .select(['transaction_id', 'account', sql<bigint>`sum(amount)`.as('amount')])
      .where('transaction_id', 'in', part)
      .groupBy(['transaction_id', 'account'])
      .orderBy(sql`min(id)`)
      .execute();
    for (const p of found) {
      let list = postings.get(p.transaction_id);
      if (!list) postings.set(p.transaction_id, (list = []));
      list.push({ account: p.account, amount: toBig(p.amount) });
    }
  }
  return rows.map((r) => ({
    contentHash: r.content_hash,
    actorId: r.actor_id,
    txn: {
      id: r.id,
      idempotencyKey: r.idempotency_key,
      kind: r.kind as TransactionKind,
      tenantId: r.tenant_id,
      postings: postings.get(r.id) ?? [],
      memo: r.memo,
      reference: r.reference,
      at: toNum(r.at),
      replayed: false,
    },
  }));
}

/** Transactions by idempotency key or by id, with postings. */
export async function loadTransactions(
  db: DbOrTrx,
  by: { keys?: readonly string[]; ids?: readonly string[] },
): Promise<StoredTransaction[]> {
  const column = by.keys ? 'idempotency_key' : 'id';
  const values = by.keys ?? by.ids ?? [];
  const rows: LedgerTransactionRow[] = [];
  for (let i = 0; i < values.length; i += IN_CHUNK) {
    const part = values.slice(i, i + IN_CHUNK);
    rows.push(...(await db.selectFrom('ledger_transactions').selectAll().where(column, 'in', part).execute()));
  }
  return withPostings(db, rows);
}

export interface TransactionFilter {
  /** null = every tenant (platform admins). */
  tenantId: string | null;
  kind?: TransactionKind | undefined;
  /** epoch ms, inclusive */
  from?: number | undefined;
  /** epoch ms, exclusive */
  to?: number | undefined;
  limit: number;
  /** The last id of the previous page. */
  cursor?: string | undefined;
}

/**
 * A page of transactions, newest first. Transaction ids embed their `at` time, so id order is time
 * order and the cursor is simply the last id returned (as in the identity lists).
 */
export async function listTransactions(
  db: Kysely<Database>,
  f: TransactionFilter,
): Promise<{ items: StoredTransaction[]; nextCursor: string | null }> {
  let q = db.selectFrom('ledger_transactions').selectAll();
  if (f.tenantId !== null) q = q.where('tenant_id', '=', f.tenantId);
  if (f.kind) q = q.where('kind', '=', f.kind);
  if (f.from !== undefined) q = q.where('at', '>=', BigInt(f.from));
  if (f.to !== undefined) q = q.where('at', '<', BigInt(f.to));
  if (f.cursor) q = q.where('id', '<', f.cursor);
  const rows = await q
    .orderBy('id', 'desc')
    .limit(f.limit + 1)
    .execute();
  const more = rows.length > f.limit;
  const page = more ? rows.slice(0, f.limit) : rows;
  return { items: await withPostings(db, page), nextCursor: more ? page[page.length - 1]!.id : null };
}

export interface BalanceMismatch {
  account: string;
  /** What the cache (ledger_accounts or wallets) says. */
  cached: bigint;
  /** The sum of the account's postings. */
  actual: bigint;
  where: 'ledger_accounts' | 'wallets';
}

export interface BalanceAudit {
  ok: boolean;
  /** Sum of every posting ever: zero in a double-entry ledger. */
  totalOfPostings: bigint;
  mismatches: BalanceMismatch[];
}

/** Recompute every balance from postings and compare with both caches. */
export async function recomputeBalances(db: Kysely<Database>): Promise<BalanceAudit> {
  const sums = await db
    .selectFrom('ledger_postings')
    .select(['account', sql<bigint>`sum(amount)`.as('total')])
    .groupBy('account')
    .execute();
  const actual = new Map(sums.map((r) => [r.account, toBig(r.total)]));
  const mismatches: BalanceMismatch[] = [];
  const cached = await db.selectFrom('ledger_accounts').select(['account', 'balance']).execute();
  const seen = new Set<string>();
  for (const row of cached) {
    seen.add(row.account);
    const a = actual.get(row.account) ?? 0n;
    if (toBig(row.balance) !== a)
      mismatches.push({ account: row.account, cached: toBig(row.balance), actual: a, where: 'ledger_accounts' });
  }
  for (const [account, a] of actual) {
    if (!seen.has(account) && a !== 0n) mismatches.push({ account, cached: 0n, actual: a, where: 'ledger_accounts' });
  }
  const wallets = await db.selectFrom('wallets').select(['tenant_id', 'balance']).execute();
  const walletSeen = new Set<string>();
  for (const w of wallets) {
    const account = `wallet:${w.tenant_id}`;
    walletSeen.add(account);
    const a = actual.get(account) ?? 0n;
    if (toBig(w.balance) !== a) mismatches.push({ account, cached: toBig(w.balance), actual: a, where: 'wallets' });
  }
  for (const [account, a] of actual) {
    if (walletTenantOf(account) !== null && !walletSeen.has(account) && a !== 0n) {
      mismatches.push({ account, cached: 0n, actual: a, where: 'wallets' });
    }
  }
  let totalOfPostings = 0n;
  for (const a of actual.values()) totalOfPostings += a;
  return { ok: mismatches.length === 0 && totalOfPostings === 0n, totalOfPostings, mismatches };
}
