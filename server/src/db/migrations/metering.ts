// Migrations of the metering area (0300–0349). Names are globally ordered by their number prefix;
// forward-only. Plain SQL types that mean the same on SQLite and PostgreSQL (text, bigint).
import type { Kysely, Migration } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

async function createRollup(db: AnyDb, table: string, period: 'day' | 'month'): Promise<void> {
  let t = db.schema
    .createTable(table)
    .addColumn('tenant_id', 'text', (c) => c.notNull())
    .addColumn(period, 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('key_id', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('agent', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('model', 'text', (c) => c.notNull());
  for (const col of [
    'requests',
    'prompt_tokens',
    'completion_tokens',
    'cached_tokens',
    'reasoning_tokens',
    'total_tokens',
    'cost',
  ]) {
    t = t.addColumn(col, 'bigint', (c) => c.notNull().defaultTo(0));
  }
  await t
    .addPrimaryKeyConstraint(`${table}_pk`, ['tenant_id', period, 'user_id', 'key_id', 'agent', 'model'])
    .execute();
}

export const meteringMigrations: Record<string, Migration> = {
  '0300_usage_records': {
    async up(db: AnyDb) {
      await db.schema
        .createTable('usage_records')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('request_id', 'text', (c) => c.notNull().unique())
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text')
        .addColumn('key_id', 'text')
        .addColumn('agent', 'text')
        .addColumn('conversation_id', 'text')
        .addColumn('conversation_title', 'text')
        .addColumn('project', 'text')
        .addColumn('provider', 'text')
        .addColumn('deployment_id', 'text')
        .addColumn('model', 'text', (c) => c.notNull())
        .addColumn('prompt_tokens', 'bigint', (c) => c.notNull())
        .addColumn('completion_tokens', 'bigint', (c) => c.notNull())
        .addColumn('cached_tokens', 'bigint', (c) => c.notNull())
        .addColumn('cache_write_tokens', 'bigint', (c) => c.notNull())
        .addColumn('reasoning_tokens', 'bigint', (c) => c.notNull())
        .addColumn('total_tokens', 'bigint', (c) => c.notNull())
        .addColumn('cost', 'bigint', (c) => c.notNull())
        .addColumn('provider_cost', 'bigint')
        .addColumn('price_id', 'text')
        .addColumn('multiplier_ppm', 'bigint')
        .addColumn('latency_ms', 'bigint')
        .addColumn('ttft_ms', 'bigint')
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('usage_source', 'text', (c) => c.notNull())
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('stream', 'bigint', (c) => c.notNull())
        .addColumn('started_at', 'bigint', (c) => c.notNull())
        .addColumn('ended_at', 'bigint', (c) => c.notNull())
        .addColumn('metadata', 'text')
        .addColumn('content_hash', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      // Dashboards and the usage log page by tenant and time (newest first), optionally per user.
      await db.schema
        .createIndex('usage_records_tenant_time')
        .on('usage_records')
        .columns(['tenant_id', 'started_at'])
        .execute();
      await db.schema
        .createIndex('usage_records_tenant_user_time')
        .on('usage_records')
        .columns(['tenant_id', 'user_id', 'started_at'])
        .execute();
    },
  },
  '0301_consumption_rollups': {
    async up(db: AnyDb) {
      await createRollup(db, 'daily_consumption', 'day');
      await createRollup(db, 'monthly_consumption', 'month');
    },
  },
  '0302_usage_charge_transaction': {
    async up(db: AnyDb) {
      // The usage_charge transaction that charged the record (null when free, and for records
      // written before charges were batched: their charge has idempotency key usage:<request_id>).
      await db.schema.alterTable('usage_records').addColumn('transaction_id', 'text').execute();
    },
  },
};
