// Runs every area's numbered, forward-only migrations (both dialects) in name order.
import { Migrator, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import { SqliteAdapter, sql } from 'kysely';
import { identityMigrations } from './migrations/identity.js';
import { moneyMigrations } from './migrations/money.js';
import { budgetsMigrations } from './migrations/budgets.js';
import { meteringMigrations } from './migrations/metering.js';
import { gatewayMigrations } from './migrations/gateway.js';
import type { Db, DialectName } from './database.js';

export const allMigrations: Record<string, Migration> = {
  ...identityMigrations,
  ...moneyMigrations,
  ...budgetsMigrations,
  ...meteringMigrations,
  ...gatewayMigrations,
};

/** Inside a migration: which dialect am I writing for? */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function dialectOf(db: Kysely<any>): DialectName {
  return db.getExecutor().adapter instanceof SqliteAdapter ? 'sqlite' : 'postgres';
}

export async function migrateToLatest(db: Db): Promise<string[]> {
  const provider: MigrationProvider = { getMigrations: async () => allMigrations };
  // PostgreSQL: pin Kysely's bookkeeping tables to the current schema; otherwise its existence
  // check sees kysely_migration_lock in ANY schema (e.g. a parallel test's) and skips creating it.
  const schema =
    db.dialect === 'postgres'
      ? (await sql<{ s: string }>`select current_schema() as s`.execute(db.kysely)).rows[0]?.s
      : undefined;
  const migrator = new Migrator({ db: db.kysely, provider, ...(schema ? { migrationTableSchema: schema } : {}) });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
