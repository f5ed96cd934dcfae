import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDb } from '../server/src/db/database.js';
import { migrateToLatest } from '../server/src/db/migrator.js';
import { USAGE_COLUMNS } from '../server/src/metering/batch-plan.js';
const variants: Record<string, { R: number; ret: boolean; drop?: string[] }> = { full: { R: 1, ret: false }, noUserIdx: { R: 1, ret: false, drop: ['usage_records_tenant_user_time'] }, noSecIdx: { R: 1, ret: false, drop: ['usage_records_tenant_user_time', 'usage_records_tenant_time'] } };
const dbs: Record<string, any> = {};
for (const k of Object.keys(variants)) { const d = openDb({ url: `sqlite:${join(mkdtempSync(join(tmpdir(), 'ab-')), 'f.db')}` }); await migrateToLatest(d); for (const i of variants[k]!.drop ?? []) d.sqlite!.exec(`drop index ${i}`); dbs[k] = d; }
const ph = (n: number, c: number) => Array.from({ length: n }, () => `(${Array(c).fill('?').join(',')})`).join(',');
const seq: Record<string, number> = {}; const tot: Record<string, number> = {};
const now = Date.now();
for (let round = 0; round < 4; round++) for (const [k, v] of Object.entries(variants)) {
  const s = dbs[k].sqlite; const st = s.prepare(`insert into usage_records (${USAGE_COLUMNS.join(',')}) values ${ph(v.R, 33)} on conflict (request_id) do nothing ${v.ret ? 'returning request_id' : ''}`); if (v.ret) st.pluck();
  const c0 = process.cpuUsage();
  for (let b = 0; b < 5; b++) { s.exec('begin'); for (let c = 0; c < 2048; c += v.R) { const u: unknown[] = []; for (let j = 0; j < v.R; j++) { const i = (seq[k] = (seq[k] ?? 0) + 1); u.push(`use_01jz${String(i).padStart(10, '0')}abcdefghjkmnpqrs`, `bench_abc_${i}`, `ten_${i % 20}`, `usr_${i % 200}`, `key_${i % 400}`, null, null, null, null, 'openai', null, 'gpt-4o', 500, 100, 0, 0, 0, 600, 123456n, null, 'prc_x', 1000000n, 800, 120, 'success', 'provider', 'gateway', 1, now + i, now, null, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopq', now); } if (v.ret) st.all(u); else st.run(u); } s.exec('commit'); }
  const c = process.cpuUsage(c0); if (round > 0) tot[k] = (tot[k] ?? 0) + c.user + c.system;
}
for (const k of Object.keys(variants)) console.log(k.padEnd(8), (tot[k]! / (3 * 5 * 2048)).toFixed(2), 'µs CPU/row');
