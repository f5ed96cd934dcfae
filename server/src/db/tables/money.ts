// Tables owned by the money area: the double-entry ledger, tenant wallets and the versioned price
// catalog. Conventions: ids are prefixed text; every integer (money in nano, tokens, counts, epoch-ms
// timestamps, 0/1 booleans) is a bigint column; JSON is text.
import type { ColumnType, Insertable, Selectable } from 'kysely';

/** A bigint column: read as bigint, written as bigint or number. */
type Int = ColumnType<bigint, bigint | number, bigint | number>;
type NullableInt = ColumnType<bigint | null, bigint | number | null, bigint | number | null>;

export interface LedgerTransactionsTable {
  id: string;
  idempotency_key: string;
  kind: string;
  tenant_id: string | null;
  memo: string | null;
  reference: string | null;
  actor_id: string | null;
  /** sha256 of the canonical content (everything but `at`): replays compare it. */
  content_hash: string;
  at: Int;
}

export interface LedgerPostingsTable {
  id: string;
  transaction_id: string;
  account: string;
  amount: Int;
  /** What this line is for, when a transaction carries many (a usage charge: the call's request id). */
  reference: string | null;
}

/** A ledger transaction as read back (integers as bigint). */
export type LedgerTransactionRow = Selectable<LedgerTransactionsTable>;
/** A ledger transaction as the batch writer inserts it: every column given. */
export type LedgerTransactionInsert = Required<Insertable<LedgerTransactionsTable>>;
export type LedgerPostingRow = Selectable<LedgerPostingsTable>;

/** Cached balance per account; always equal to the sum of its postings (recomputeBalances checks). */
export interface LedgerAccountsTable {
  account: string;
  balance: Int;
  updated_at: Int;
}

export interface WalletsTable {
  tenant_id: string;
  mode: 'prepaid' | 'postpaid';
  credit_limit: Int;
  /** Equal to the sum of postings to `wallet:<tenant_id>`; written only by the ledger. */
  balance: Int;
  /** Money set aside by budget reservations/leases; written only by the budgets area. */
  reserved: Int;
  currency: string;
  updated_at: Int;
}

export interface ModelPricesTable {
  id: string;
  model: string;
  deployment_id: string | null;
  input_per_mtok: Int;
  output_per_mtok: Int;
  /** null = falls back to the input rate. */
  cached_input_per_mtok: NullableInt;
  /** null = falls back to the input rate. */
  cache_write_per_mtok: NullableInt;
  /** null = falls back to the output rate. */
  reasoning_per_mtok: NullableInt;
  free: Int;
  effective_from: Int;
  created_by: string | null;
  created_at: Int;
}

export interface TenantMultipliersTable {
  id: string;
  tenant_id: string;
  ppm: Int;
  effective_from: Int;
  created_by: string | null;
  created_at: Int;
}

export interface MoneyTables {
  ledger_transactions: LedgerTransactionsTable;
  ledger_postings: LedgerPostingsTable;
  ledger_accounts: LedgerAccountsTable;
  wallets: WalletsTable;
  model_prices: ModelPricesTable;
  tenant_multipliers: TenantMultipliersTable;
}
