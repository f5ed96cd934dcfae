// Checks the live services the integration tests use. With CI set, a missing service fails the
// run; locally its tests are skipped with a loud note.
import pg from 'pg';

export const TEST_PG_URL = process.env['TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';

async function reachable(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

export default async function setup(): Promise<void> {
  const ok = await reachable(TEST_PG_URL);
  if (!ok && process.env['CI']) throw new Error(`PostgreSQL is not reachable at ${TEST_PG_URL} (CI requires it)`);
  if (!ok) console.warn(`\n!!! PostgreSQL not reachable at ${TEST_PG_URL}: PostgreSQL tests are SKIPPED\n`);
  process.env['TOLLGATE_TEST_PG'] = ok ? '1' : '0';
}
