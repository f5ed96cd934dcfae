import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { SqliteRowStatement } from './sqlite-row-statement.js';

describe('SqliteRowStatement', () => {
  it('runs once per row and returns the key of every row that changed the table', async () => {
    const db = new BetterSqlite3(':memory:');
    db.exec('create table t (k text primary key, v integer)');
    db.exec("insert into t values ('b', 0)");
    const stmt = new SqliteRowStatement(db, 'insert into t (k, v) values (?, ?) on conflict (k) do nothing', 2);
    let pauses = 0;
    const values: unknown[] = [];
    for (let i = 0; i < 130; i++) values.push(`k${i}`, i);
    values.push('b', 1, 'a', 2, 'a', 3);
    const changed = await stmt.run(values, async () => void (pauses += 1), 0);
    expect(changed).toEqual([...Array.from({ length: 130 }, (_, i) => `k${i}`), 'a']);
    expect(db.prepare('select count(*) as n from t').get()).toEqual({ n: 132 });
    // Pauses are checked every 16 rows, not after each row.
    expect(pauses).toBe(8);
    expect(await stmt.run([])).toEqual([]);
  });
});
