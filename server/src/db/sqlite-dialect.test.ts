import { createRequire } from 'node:module';
import type BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { cachingDatabase, newWriteWaitCounter, retryBusy } from './sqlite-dialect.js';

const Sqlite = createRequire(import.meta.url)('better-sqlite3') as typeof BetterSqlite3;

const busy = () => Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' });

describe('retryBusy', () => {
  it('retries SQLITE_BUSY, counting itself queued meanwhile, and returns the result', async () => {
    const waiting = newWriteWaitCounter();
    let calls = 0;
    const seen: number[] = [];
    const r = await retryBusy(async () => {
      calls += 1;
      seen.push(waiting[0]!);
      if (calls < 3) throw busy();
      return 'ok';
    }, waiting);
    expect(r).toBe('ok');
    expect(seen).toEqual([0, 1, 1]);
    expect(waiting[0]).toBe(0);
  });

  it('passes other errors through at once', async () => {
    const waiting = newWriteWaitCounter();
    let calls = 0;
    const fail = retryBusy(async () => {
      calls += 1;
      throw Object.assign(new Error('constraint'), { code: 'SQLITE_CONSTRAINT' });
    }, waiting);
    await expect(fail).rejects.toMatchObject({ code: 'SQLITE_CONSTRAINT' });
    expect(calls).toBe(1);
  });

  it('gives up after its deadline with the busy error and leaves the queue', async () => {
    const waiting = newWriteWaitCounter();
    await expect(retryBusy(() => Promise.reject(busy()), waiting, 20)).rejects.toMatchObject({ code: 'SQLITE_BUSY' });
    expect(waiting[0]).toBe(0);
  });
});

describe('cachingDatabase', () => {
  const open = () => {
    const raw = new Sqlite(':memory:');
    raw.exec('create table t (a integer)');
    let prepares = 0;
    const prepare = raw.prepare.bind(raw);
    raw.prepare = ((sql: string) => {
      prepares += 1;
      return prepare(sql);
    }) as typeof raw.prepare;
    return { raw, db: cachingDatabase(raw, 2), prepares: () => prepares };
  };

  it('prepares a statement once per SQL text and runs it with new parameters each time', () => {
    const { db, prepares } = open();
    for (let i = 1; i <= 3; i++) db.prepare('insert into t (a) values (?)').run([i]);
    const sum = db.prepare('select sum(a) as s from t').all([]) as { s: number }[];
    expect(sum[0]!.s).toBe(6);
    expect(db.prepare('select sum(a) as s from t').reader).toBe(true);
    expect(prepares()).toBe(2);
  });

  it('keeps the most recently used statements, evicting the oldest beyond its size', () => {
    const { db, prepares } = open();
    db.prepare('select 1').all([]);
    db.prepare('select 2').all([]);
    db.prepare('select 1').all([]); // 'select 2' is now the oldest
    db.prepare('select 3').all([]); // evicts 'select 2'
    expect(prepares()).toBe(3);
    db.prepare('select 1').all([]);
    expect(prepares()).toBe(3);
    db.prepare('select 2').all([]);
    expect(prepares()).toBe(4);
  });

  it('streams on a statement of its own, so the cached one stays usable meanwhile', () => {
    const { db } = open();
    const insert = db.prepare('insert into t (a) values (?)');
    for (let i = 1; i <= 3; i++) insert.run([i]);
    const seen: number[] = [];
    for (const row of db.prepare('select a from t order by a').iterate([]) as Iterable<{ a: number }>) {
      seen.push(row.a);
      // The same SQL, run while the stream is open.
      expect(db.prepare('select a from t order by a').all([])).toHaveLength(3);
    }
    expect(seen).toEqual([1, 2, 3]);
  });
});
