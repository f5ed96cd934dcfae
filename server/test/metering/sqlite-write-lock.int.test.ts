// Two connections writing one SQLite file (the app's and the metering writer thread's): a write
// that finds the lock taken waits asynchronously — the event loop keeps running — and tells the
// other side it is queued; transactions begin IMMEDIATE so a read-then-write cannot fail with
// SQLITE_BUSY_SNAPSHOT when the other connection commits in between.
import BetterSqlite3 from 'better-sqlite3';
import { sql } from 'kysely';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { createTestDb, type TestDb } from '../support/db.js';

let db: TestDb;
let other: BetterSqlite3.Database;
beforeEach(async () => {
  db = await createTestDb('sqlite');
  other = new BetterSqlite3(db.file!);
  other.pragma('busy_timeout = 0');
  await sql`create table t (k text primary key, v bigint not null)`.execute(db.kysely);
});
afterEach(async () => {
  other.close();
  await db.close();
});

it('waits for the lock without blocking the event loop, and says it is queued', async () => {
  other.exec('begin immediate');
  other.prepare("insert into t values ('a', 1)").run();
  let ticks = 0;
  const timer = setInterval(() => (ticks += 1), 1);
  const write = db.kysely
    .insertInto('t' as never)
    .values({ k: 'b', v: 2 } as never)
    .execute();
  await new Promise((r) => setTimeout(r, 30));
  expect(db.writeWaiters![0]).toBe(1); // queued, not failed
  expect(ticks).toBeGreaterThan(0); // the loop ran while it waited
  other.exec('commit');
  await write;
  clearInterval(timer);
  expect(db.writeWaiters![0]).toBe(0);
  const rows = await sql<{ k: string }>`select k from t order by k`.execute(db.kysely);
  expect(rows.rows.map((r) => r.k)).toEqual(['a', 'b']);
});

it('a transaction that reads, then writes after another connection committed, still commits', async () => {
  await sql`insert into t values ('x', 1)`.execute(db.kysely);
  await db.kysely.transaction().execute(async (trx) => {
    const before = await sql<{ v: bigint }>`select v from t where k = 'x'`.execute(trx);
    // The other connection cannot slip a commit in: we hold the write lock since BEGIN.
    expect(() => other.prepare("update t set v = 100 where k = 'x'").run()).toThrow(/busy|locked/i);
    await sql`update t set v = ${before.rows[0]!.v + 1n} where k = 'x'`.execute(trx);
  });
  const after = await sql<{ v: bigint }>`select v from t where k = 'x'`.execute(db.kysely);
  expect(after.rows[0]!.v).toBe(2n);
});
