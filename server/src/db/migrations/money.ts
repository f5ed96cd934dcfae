// Migrations of the money area (0200–0249). Names are globally ordered by their number prefix;
// forward-only. Integer columns are bigint in both dialects (money in nano-units).
import { sql, type Kysely, type Migration } from 'kysely';

export const moneyMigrations: Record<string, Migration> = {
  '0200_ledger': {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('ledger_transactions')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('idempotency_key', 'text', (c) => c.notNull().unique())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('tenant_id', 'text')
        .addColumn('memo', 'text')
        .addColumn('reference', 'text')
        .addColumn('actor_id', 'text')
        .addColumn('content_hash', 'text', (c) => c.notNull())
        .addColumn('at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        // Listings page a tenant's transactions by id (ids embed their time).
        .createIndex('ledger_transactions_tenant_id')
        .on('ledger_transactions')
        .columns(['tenant_id', 'id'])
        .execute();
      // A transaction can be reversed once: the backstop against two reversals racing with different keys.
      await sql`create unique index ledger_transactions_one_reversal on ledger_transactions (reference) where kind = 'reversal'`.execute(
        db,
      );

      await db.schema
        .createTable('ledger_postings')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('transaction_id', 'text', (c) => c.notNull().references('ledger_transactions.id'))
        .addColumn('account', 'text', (c) => c.notNull())
        .addColumn('amount', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('ledger_postings_txn').on('ledger_postings').column('transaction_id').execute();

      await db.schema
        .createTable('ledger_accounts')
        .addColumn('account', 'text', (c) => c.primaryKey())
        .addColumn('balance', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
    },
  },
  '0201_wallets': {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('wallets')
        .addColumn('tenant_id', 'text', (c) => c.primaryKey())
        .addColumn('mode', 'text', (c) =>
          c
            .notNull()
            .defaultTo('prepaid')
            .check(sql`mode in ('prepaid', 'postpaid')`),
        )
        .addColumn('credit_limit', 'bigint', (c) =>
          c
            .notNull()
            .defaultTo(0)
            .check(sql`credit_limit >= 0`),
        )
        .addColumn('balance', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('reserved', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('currency', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
    },
  },
  '0202_pricing': {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('model_prices')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('model', 'text', (c) => c.notNull())
        .addColumn('deployment_id', 'text')
        .addColumn('input_per_mtok', 'bigint', (c) => c.notNull())
        .addColumn('output_per_mtok', 'bigint', (c) => c.notNull())
        .addColumn('cached_input_per_mtok', 'bigint')
        .addColumn('cache_write_per_mtok', 'bigint')
        .addColumn('reasoning_per_mtok', 'bigint')
        .addColumn('free', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('effective_from', 'bigint', (c) => c.notNull())
        .addColumn('created_by', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('model_prices_model')
        .on('model_prices')
        .columns(['model', 'effective_from'])
        .execute();

      await db.schema
        .createTable('tenant_multipliers')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('ppm', 'bigint', (c) => c.notNull().check(sql`ppm > 0`))
        .addColumn('effective_from', 'bigint', (c) => c.notNull())
        .addColumn('created_by', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('tenant_multipliers_tenant')
        .on('tenant_multipliers')
        .columns(['tenant_id', 'effective_from'])
        .execute();
    },
  },
  '0203_posting_reference': {
    // A usage charge is one transaction per (tenant, metering batch) with one wallet posting per
    // call; the posting names its call (the usage request id). No index: it is found through its
    // transaction (usage_records.transaction_id → ledger_postings_txn).
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    async up(db: Kysely<any>) {
      await db.schema.alterTable('ledger_postings').addColumn('reference', 'text').execute();
    },
  },
};
