import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestDb, eachDialect, type TestDb } from '../support/db.js';

eachDialect('test harness', (dialect) => {
  let db: TestDb;
  beforeAll(async () => {
    db = await createTestDb(dialect);
  });
  afterAll(async () => db.close());

  it('returns 64-bit integers as exact bigints', async () => {
    const big = 9_007_199_254_740_993n; // 2^53 + 1: a float would lose the last digit
    const { rows } = await sql<{ v: bigint }>`select cast(${big} as bigint) as v`.execute(db.kysely);
    expect(rows[0]?.v).toBe(big);
  });
});
