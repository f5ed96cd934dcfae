// Migrations of the gateway area. Names are globally ordered by their number prefix; forward-only.
import type { Kysely, Migration } from 'kysely';

export const gatewayMigrations: Record<string, Migration> = {
  '0400_catalog': {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createTable('providers')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('base_url', 'text')
        .addColumn('api_key_encrypted', 'text')
        .addColumn('api_version', 'text')
        .addColumn('headers_encrypted', 'text')
        .addColumn('managed_by', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull().defaultTo('active'))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('models')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('kinds', 'text', (c) => c.notNull())
        .addColumn('free', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('routing_strategy', 'text')
        .addColumn('description', 'text')
        .addColumn('managed_by', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull().defaultTo('active'))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('deployments')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('model_name', 'text', (c) => c.notNull().references('models.name').onDelete('cascade'))
        .addColumn('provider_id', 'text', (c) => c.notNull().references('providers.id'))
        .addColumn('upstream_model', 'text', (c) => c.notNull())
        .addColumn('priority', 'bigint', (c) => c.notNull())
        .addColumn('weight', 'bigint', (c) => c.notNull())
        .addColumn('max_output_tokens', 'bigint')
        .addColumn('timeout_ms', 'bigint')
        .addColumn('status', 'text', (c) => c.notNull().defaultTo('active'))
        .addColumn('managed_by', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('deployments_model_idx').on('deployments').column('model_name').execute();
      await db.schema.createIndex('deployments_provider_idx').on('deployments').column('provider_id').execute();
    },
  },
};
