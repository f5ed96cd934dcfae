import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDb } from '../server/src/db/database.js';
import { migrateToLatest } from '../server/src/db/migrator.js';
import { USAGE_COLUMNS } from '../server/src/metering/batch-plan.js';
const dir = mkdtempSync(join(process.env.DIR ?? tmpdir(), 'floor-'));
const db = openDb({ url: process.env.MEM ? ':memory:' : `sqlite:${join(dir, 'f.db')}` });
await migrateToLatest(db);
const s = db.sqlite!;
const N = 100000, R = Number(process.env.R ?? 64);
const ph = (n: number, c: number) => Array.from({ length: n }, () => `(${Array(c).fill('?').join(',')})`).join(',');
const uIns = s.prepare(`insert into usage_records (${USAGE_COLUMNS.join(',')}) values ${ph(R, 33)} on conflict (request_id) do nothing returning request_id`);
const tIns = s.prepare(`insert into ledger_transactions (id, idempotency_key, kind, tenant_id, memo, reference, actor_id, content_hash, at) values ${ph(R, 9)} on conflict (idempotency_key) do nothing returning idempotency_key`);
const pIns = s.prepare(`insert into ledger_postings (id, transaction_id, account, amount) values ${ph(R * 2, 4)}`);
const now = Date.now();
const t0 = performance.now(); const c0 = process.cpuUsage();
const which = process.env.W ?? 'utp';
if (process.env.DROP) for (const i of process.env.DROP.split(',')) s.exec('drop index ' + i);
if (process.env.PRAGMAS) for (const p of process.env.PRAGMAS.split(';')) s.pragma(p);
if (process.env.CACHE) s.pragma(`cache_size = ${process.env.CACHE}`);
const T = Number(process.env.T ?? 1024);
for (let b = 0; b < N; b += T) {
  s.exec('begin');
  for (let c = 0; c < T; c += R) {
    const u: unknown[] = [], t: unknown[] = [], p: unknown[] = [];
    for (let k = 0; k < R; k++) {
      const i = b + c + k;
      const id = `use_01jz${String(i).padStart(10, '0')}abcdefghjkmnpqrs`;
      u.push(id, `bench_abc_${i}`, `ten_${i % 20}`, `usr_${i % 200}`, `key_${i % 400}`, null, null, null, null, 'openai', null, 'gpt-4o', 500, 100, 0, 0, 0, 600, 123456n, null, 'prc_x', 1000000n, 800, 120, 'success', 'provider', 'gateway', 1, process.env.INC ? now + i : now - i, now, null, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopq', now);
      const tid = `txn_01jz${String(i).padStart(10, '0')}abcdefghjkmnpqrs`;
      t.push(tid, `usage:bench_abc_${i}`, 'usage_charge', `ten_${i % 20}`, 'usage gpt-4o', `bench_abc_${i}`, null, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopq', now);
      p.push(`pst_${tid.slice(4)}_0`, tid, `wallet:ten_${i % 20}`, -123456n, `pst_${tid.slice(4)}_1`, tid, 'platform:revenue', 123456n);
    }
    if (which.includes('u')) uIns.all(u);
    if (which.includes('t')) tIns.all(t);
    if (which.includes('p')) pIns.run(p);
  }
  s.exec('commit');
}
const ms = performance.now() - t0; const cu = process.cpuUsage(c0); const cpu = (cu.user + cu.system) / 1000;
console.log(which, "user", (cu.user/N).toFixed(2), "sys", (cu.system/N).toFixed(2), "R", R, "cpu", (cpu * 1000 / N).toFixed(2), "µs/event; wall", (ms * 1000 / N).toFixed(2));
