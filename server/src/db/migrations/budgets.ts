// Migrations of the budgets area (0250–0299). Forward-only; the same DDL on SQLite and PostgreSQL.
import type { Kysely, Migration } from 'kysely';

export const budgetsMigrations: Record<string, Migration> = {
  '0250_budgets': {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('budgets')
        .addColumn('scope_key', 'text', (c) => c.primaryKey())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('tenant_id', 'text')
        .addColumn('subject', 'text', (c) => c.notNull())
        .addColumn('limit_nano', 'bigint', (c) => c.notNull())
        .addColumn('period', 'text', (c) => c.notNull())
        .addColumn('reset_at', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('budgets_tenant').on('budgets').columns(['tenant_id', 'kind']).execute();

      await db.schema
        .createTable('budget_counters')
        .addColumn('scope_key', 'text', (c) => c.notNull())
        .addColumn('period_start', 'bigint', (c) => c.notNull())
        .addColumn('spent', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('reserved', 'bigint', (c) => c.notNull().defaultTo(0))
        .addPrimaryKeyConstraint('budget_counters_pk', ['scope_key', 'period_start'])
        .execute();

      await db.schema
        .createTable('budget_leases')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('scope_key', 'text', (c) => c.notNull())
        .addColumn('period_start', 'bigint', (c) => c.notNull())
        .addColumn('holder', 'text', (c) => c.notNull())
        .addColumn('amount', 'bigint', (c) => c.notNull())
        .addColumn('used', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('exact', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .execute();
      // The sweeper's query: active leases past their expiry.
      await db.schema
        .createIndex('budget_leases_status_expiry')
        .on('budget_leases')
        .columns(['status', 'expires_at'])
        .execute();
    },
  },
};
