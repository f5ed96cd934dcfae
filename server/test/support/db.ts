// Test databases on real engines: a fresh SQLite file, or a fresh schema in the live PostgreSQL.
// `eachDialect` runs a suite against both (the storage contract runs this way).
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { describe as Describe } from 'vitest';
import { openDb, type Db, type DialectName } from '../../src/db/database.js';
import { migrateToLatest } from '../../src/db/migrator.js';

export const TEST_PG_URL = process.env['TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
export const pgAvailable = (): boolean => process.env['TOLLGATE_TEST_PG'] !== '0';

export interface TestDb extends Db {
  /** The URL a child process can open to reach the same database (with TEST_PG_SCHEMA for pg). */
  url: string;
  pgSchema?: string;
  /** sqlite: the file path. */
  file?: string;
}

export async function createTestDb(
  dialect: DialectName,
  opts: { migrate?: boolean; poolSize?: number } = {},
): Promise<TestDb> {
  let db: Db;
  let extra: Partial<TestDb>;
  let cleanup: () => Promise<void>;
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'tollgate-test-'));
    const file = join(dir, 'test.db');
    db = openDb({ url: `sqlite:${file}` });
    extra = { url: `sqlite:${file}`, file };
    cleanup = async () => rmSync(dir, { recursive: true, force: true });
  } else {
    const schema = `t_${randomBytes(6).toString('hex')}`;
    const admin = new pg.Client({ connectionString: TEST_PG_URL });
    await admin.connect();
    await admin.query(`create schema ${schema}`);
    await admin.end();
    db = openDb({ url: TEST_PG_URL, pgSchema: schema, poolSize: opts.poolSize ?? 10 });
    extra = { url: TEST_PG_URL, pgSchema: schema };
    cleanup = async () => {
      const c = new pg.Client({ connectionString: TEST_PG_URL });
      await c.connect();
      await c.query(`drop schema if exists ${schema} cascade`);
      await c.end();
    };
  }
  if (opts.migrate !== false) await migrateToLatest(db);
  const close = db.close;
  return Object.assign(Object.create(null) as TestDb, db, extra, {
    async close() {
      await close();
      await cleanup();
    },
  });
}

/** Run a suite once per dialect: `eachDialect('ledger', (dialect) => { … })`. */
export function eachDialect(name: string, body: (dialect: DialectName) => void): void {
  // vitest's globals (not an import) so child processes of tests can import this file too.
  const { describe } = globalThis as unknown as { describe: typeof Describe };
  // Without PostgreSQL (a developer machine only: with CI set, global-setup fails the run) the
  // postgres half is left out and global-setup prints a loud note.
  const dialects: DialectName[] = pgAvailable() ? ['sqlite', 'postgres'] : ['sqlite'];
  describe.each(dialects)(`${name} [%s]`, (dialect) => body(dialect));
}
