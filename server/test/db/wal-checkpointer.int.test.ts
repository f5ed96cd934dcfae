// The WAL checkpointer thread: while it runs, commits on the main connection no longer checkpoint
// (the automatic threshold is only a far safety net), yet the WAL does not grow: the worker copies
// it back into the database, so the next writer restarts it from the beginning. Stopping it
// restores SQLite's default behaviour.
import { statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import pino from 'pino';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { openDb } from '../../src/db/database.js';
import { startWalCheckpointer } from '../../src/db/wal-checkpointer.js';
import { createTestDb, type TestDb } from '../support/db.js';

const log = pino({ level: 'silent' });
let db: TestDb;
beforeEach(async () => {
  db = await createTestDb('sqlite');
  db.sqlite!.exec('create table filler (v text)');
});
afterEach(async () => db.close());

/** Write ~3 MB in one transaction; returns the WAL file's size afterwards. */
function writeBatch(d: TestDb): number {
  const insert = d.sqlite!.prepare('insert into filler values (?)');
  d.sqlite!.transaction(() => {
    for (let i = 0; i < 3000; i++) insert.run('x'.repeat(1000));
  })();
  return statSync(`${d.sqlite!.name}-wal`).size;
}

const settle = () => new Promise((r) => setTimeout(r, 300));

it('keeps the WAL from growing without checkpointing on the main thread', async () => {
  const c = startWalCheckpointer(db, { intervalMs: 20, log });
  expect(c).not.toBeNull();
  expect(db.sqlite!.pragma('wal_autocheckpoint', { simple: true })).toBe(100_000n);
  const first = writeBatch(db);
  await settle();
  const second = writeBatch(db);
  // Reused from the start after the worker's checkpoint: about the same size, not twice.
  expect(second).toBeLessThan(first * 1.3);
  await c!.stop();
  expect(db.sqlite!.pragma('wal_autocheckpoint', { simple: true })).toBe(1000n);
  await c!.stop(); // idempotent
});

it('without it (same safety-net threshold) the WAL keeps growing: the test above can fail', async () => {
  db.sqlite!.pragma('wal_autocheckpoint = 100000');
  const first = writeBatch(db);
  await settle();
  const second = writeBatch(db);
  expect(second).toBeGreaterThan(first * 1.7);
});

it('starts from any working directory (the thread resolves better-sqlite3 from this module, not the cwd)', async () => {
  const cwd = process.cwd();
  process.chdir(tmpdir());
  const errors: unknown[] = [];
  const spy = pino({ level: 'error' }, { write: (line: string) => void errors.push(line) });
  try {
    const c = startWalCheckpointer(db, { intervalMs: 20, log: spy });
    const first = writeBatch(db);
    await settle();
    expect(writeBatch(db)).toBeLessThan(first * 1.3);
    await c!.stop();
  } finally {
    process.chdir(cwd);
  }
  expect(errors).toEqual([]);
});

it('does nothing for an in-memory database', async () => {
  const mem = openDb({ url: ':memory:' });
  expect(startWalCheckpointer(mem, { intervalMs: 20, log })).toBeNull();
  await mem.close();
});
