// Migrations of the identity area. Names are globally ordered by their number prefix; forward-only.
// Plain column types (text, bigint) are the same in SQLite and PostgreSQL, so one body serves both.
import type { Kysely, Migration } from 'kysely';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

const tenants: Migration = {
  async up(db: AnyDb) {
    await db.schema
      .createTable('tenants')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('slug', 'text', (c) => c.notNull().unique())
      .addColumn('domain', 'text')
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('billing_plan', 'text')
      .addColumn('max_users', 'bigint')
      .addColumn('settings', 'text', (c) => c.notNull().defaultTo('{}'))
      .addColumn('referral_code', 'text', (c) => c.unique())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('tenants_status_idx').on('tenants').column('status').execute();
  },
};

const users: Migration = {
  async up(db: AnyDb) {
    await db.schema
      .createTable('users')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('tenant_id', 'text', (c) => c.references('tenants.id'))
      .addColumn('email', 'text', (c) => c.notNull().unique())
      .addColumn('name', 'text')
      .addColumn('role', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('password_hash', 'text')
      .addColumn('product_id', 'text')
      .addColumn('failed_logins', 'bigint', (c) => c.notNull().defaultTo(0))
      .addColumn('locked_until', 'bigint')
      .addColumn('last_login_at', 'bigint')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('users_tenant_idx').on('users').columns(['tenant_id', 'id']).execute();
  },
};

const invitesAndSessions: Migration = {
  async up(db: AnyDb) {
    await db.schema
      .createTable('invites')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
      .addColumn('token_hash', 'text', (c) => c.notNull().unique())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addColumn('used_at', 'bigint')
      .addColumn('created_by', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('invites_user_idx').on('invites').column('user_id').execute();
    await db.schema
      .createTable('sessions')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
      .addColumn('refresh_hash', 'text', (c) => c.notNull().unique())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addColumn('revoked_at', 'bigint')
      .addColumn('ip', 'text')
      .addColumn('user_agent', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('refreshed_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('sessions_user_idx').on('sessions').column('user_id').execute();
  },
};

const apiKeys: Migration = {
  async up(db: AnyDb) {
    await db.schema
      .createTable('api_keys')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
      .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('key_hash', 'text', (c) => c.notNull().unique())
      .addColumn('prefix', 'text', (c) => c.notNull())
      .addColumn('allowed_models', 'text')
      .addColumn('rpm', 'bigint')
      .addColumn('tpm', 'bigint')
      .addColumn('budget', 'bigint')
      .addColumn('budget_period', 'text', (c) => c.notNull().defaultTo('monthly'))
      .addColumn('expires_at', 'bigint')
      .addColumn('revoked_at', 'bigint')
      .addColumn('last_used_at', 'bigint')
      .addColumn('rotated_from', 'text')
      .addColumn('created_by', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('api_keys_tenant_idx').on('api_keys').columns(['tenant_id', 'id']).execute();
    await db.schema.createIndex('api_keys_user_idx').on('api_keys').columns(['user_id', 'id']).execute();
  },
};

const auditLog: Migration = {
  async up(db: AnyDb) {
    await db.schema
      .createTable('audit_log')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('at', 'bigint', (c) => c.notNull())
      .addColumn('actor_type', 'text', (c) => c.notNull())
      .addColumn('actor_id', 'text')
      .addColumn('actor_email', 'text')
      .addColumn('tenant_id', 'text')
      .addColumn('action', 'text', (c) => c.notNull())
      .addColumn('target_type', 'text', (c) => c.notNull())
      .addColumn('target_id', 'text')
      .addColumn('changes', 'text')
      .addColumn('ip', 'text')
      .execute();
    await db.schema.createIndex('audit_log_tenant_idx').on('audit_log').columns(['tenant_id', 'id']).execute();
    await db.schema.createIndex('audit_log_action_idx').on('audit_log').columns(['action', 'id']).execute();
  },
};

/** Seed 002's tenant field `services` (the tenant's deployed services, e.g. `{openwebui_port: 3001}`). */
const tenantServices: Migration = {
  async up(db: AnyDb) {
    await db.schema
      .alterTable('tenants')
      .addColumn('services', 'text', (c) => c.notNull().defaultTo('{}'))
      .execute();
  },
};

export const identityMigrations: Record<string, Migration> = {
  '0101_tenants': tenants,
  '0102_users': users,
  '0103_invites_sessions': invitesAndSessions,
  '0104_api_keys': apiKeys,
  '0105_audit_log': auditLog,
  // Numbered after every migration that existed when it was added: names run in order, and a
  // database that already ran 0400 must not be handed an earlier one.
  '0500_tenant_services': tenantServices,
};
