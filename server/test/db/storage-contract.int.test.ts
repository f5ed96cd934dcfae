// The storage port's contract: what every area relies on from the database, checked on SQLite and
// the live PostgreSQL alike (exact 64-bit integers, atomic conditional updates, rollback, uniqueness,
// forward-only migrations).
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateToLatest } from '../../src/db/migrator.js';
import { createTestDb, eachDialect, type TestDb } from '../support/db.js';

interface Probe {
  contract_probe: { id: string; amount: bigint; note: string | null };
}

eachDialect('storage contract', (dialect) => {
  let db: TestDb;
  let k: Kysely<Probe>;
  beforeAll(async () => {
    db = await createTestDb(dialect);
    k = db.kysely as unknown as Kysely<Probe>;
    await k.schema
      .createTable('contract_probe')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('amount', 'bigint', (c) => c.notNull())
      .addColumn('note', 'text')
      .execute();
  });
  afterAll(async () => db.close());

  it('migrations are applied once and re-running them is a no-op', async () => {
    expect(await migrateToLatest(db)).toEqual([]);
  });

  it('returns 64-bit integers as exact bigints, never floats', async () => {
    const big = 9_007_199_254_740_993n; // 2^53 + 1: a double would lose the last digit
    await k.insertInto('contract_probe').values({ id: 'big', amount: big, note: null }).execute();
    const row = await k.selectFrom('contract_probe').selectAll().where('id', '=', 'big').executeTakeFirstOrThrow();
    expect(row.amount).toBe(big);
    const sum = await k
      .selectFrom('contract_probe')
      .select((eb) => eb.fn.sum<bigint>('amount').as('s'))
      .where('id', '=', 'big')
      .executeTakeFirstOrThrow();
    expect(BigInt(sum.s)).toBe(big);
  });

  it('keeps unicode and JSON text intact', async () => {
    const note = JSON.stringify({ name: 'Zürich 東京 🚀', nested: { a: [1, 2] } });
    await k.insertInto('contract_probe').values({ id: 'json', amount: 0n, note }).execute();
    const row = await k.selectFrom('contract_probe').select('note').where('id', '=', 'json').executeTakeFirstOrThrow();
    expect(JSON.parse(row.note!)).toEqual({ name: 'Zürich 東京 🚀', nested: { a: [1, 2] } });
  });

  it('rejects a duplicate primary key and leaves the first row', async () => {
    await k.insertInto('contract_probe').values({ id: 'dup', amount: 1n, note: null }).execute();
    await expect(
      k.insertInto('contract_probe').values({ id: 'dup', amount: 2n, note: null }).execute(),
    ).rejects.toThrow();
    const row = await k.selectFrom('contract_probe').select('amount').where('id', '=', 'dup').executeTakeFirstOrThrow();
    expect(row.amount).toBe(1n);
  });

  it('rolls a failed transaction back completely', async () => {
    await expect(
      k.transaction().execute(async (trx) => {
        await trx.insertInto('contract_probe').values({ id: 'rb1', amount: 5n, note: null }).execute();
        await trx.insertInto('contract_probe').values({ id: 'rb1', amount: 6n, note: null }).execute();
      }),
    ).rejects.toThrow();
    const rows = await k.selectFrom('contract_probe').select('id').where('id', '=', 'rb1').execute();
    expect(rows).toEqual([]);
  });

  describe('atomic conditional update under concurrency', () => {
    it('never takes more than there is, whoever races', async () => {
      await k.insertInto('contract_probe').values({ id: 'pot', amount: 1000n, note: null }).execute();
      const take = async () => {
        const res = await k
          .updateTable('contract_probe')
          .set({ amount: sql`amount - 30` })
          .where('id', '=', 'pot')
          .where('amount', '>=', 30n)
          .executeTakeFirst();
        return Number(res.numUpdatedRows) === 1;
      };
      const results = await Promise.all(Array.from({ length: 100 }, take));
      expect(results.filter(Boolean)).toHaveLength(33); // floor(1000 / 30)
      const row = await k
        .selectFrom('contract_probe')
        .select('amount')
        .where('id', '=', 'pot')
        .executeTakeFirstOrThrow();
      expect(row.amount).toBe(10n);
    });
  });
});
