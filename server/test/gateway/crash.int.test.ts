// Crash safety of the whole gateway, on SQLite and PostgreSQL: Tollgate runs in a child process
// (crash-gateway-child.ts) and is SIGKILLed while ~20 calls (JSON, and streams whose chunks arrive
// slowly) are in flight; a second process is started on the same DATA_DIR and database (it replays
// the metering spool before serving and sweeps the dead process's leases), serves a few calls and
// stops cleanly. Then the books must reconcile exactly: no call billed twice; every answer the
// client had in full before the kill, outside the documented durability window (a call answered
// in the very event-loop turn of the kill may be unbilled: metering/README.md), billed once at the
// price the client was told; ledger ↔ records ↔ wallet ↔ budget counters ↔ rollups; and no money
// left reserved by the dead process (budgets/README.md, "Crash").
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent } from 'undici';
import { stringify } from 'yaml';
import { afterAll, beforeAll, expect, it, onTestFailed } from 'vitest';
import { parseMoney } from '../../src/shared/money.js';
import { startMockUpstream, type MockBehavior, type MockUpstream } from '../mock-upstream/index.js';
import { createTestDb, eachDialect, type TestDb } from '../support/db.js';
import type { CrashMoney, FirstReady, RestartReady } from './crash-gateway-child.js';
import { expectBooksReconcile, walletRow } from './books.js';
import { fireCall, planCall, until, type Call } from './crash-support.js';
import { mockProvider } from './world.js';

const script = join(import.meta.dirname, 'crash-gateway-child.ts');
const CONCURRENCY = 20;
/** The kill comes after at least this much load, once the first process has written some usage
 *  and at least SPOOLED answers received in full (outside the window) are still only in its spool. */
const LOAD_MS = 1000;
const SPOOLED = 5;
/** The first process writes gateway usage every 1.5 s instead of every 250 ms (README, "When a
 *  batch is written"), so the kill lands while such answers wait and the restart must bill them. */
const FIRST_FLUSH_MS = '1500';
/** Answers finished this close to the kill count as "in the window": they may be unbilled. */
const WINDOW_MS = 50;
const AFTER_RESTART_CALLS = 6;
const money: CrashMoney = { topUp: '1000', tenantBudget: '500', keyBudget: '250' };
const pricing = { input_per_mtok: '2', output_per_mtok: '8' };

/** Upstream behaviours, in arrival order: JSON answers after 0–60 ms, streams of 3–8 chunks 10–39 ms apart. */
const scenario = (k: number): MockBehavior => ({
  chunks: 3 + (k % 6),
  promptTokens: 5 + ((k * 7) % 40),
  chunkDelayMs: 10 + ((k * 13) % 30),
  latencyMs: (k * 11) % 61,
});

interface Child<R> {
  proc: ChildProcess;
  ready: Promise<R>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output(): string;
}

function startChild<R>(
  mode: 'first' | 'restart',
  db: TestDb,
  dataDir: string,
  env: Record<string, string> = {},
): Child<R> {
  const proc = spawn(process.execPath, ['--import', 'tsx', script, mode, db.url, dataDir], {
    env: {
      ...process.env,
      CRASH_MONEY: JSON.stringify(money),
      ...env,
      ...(db.pgSchema ? { TEST_PG_SCHEMA: db.pgSchema } : {}),
    },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let output = '';
  proc.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.on('exit', (code, signal) => resolve({ code, signal })),
  );
  const ready = new Promise<R>((resolve, reject) => {
    proc.once('message', (m) => resolve(m as R));
    void exited.then((e) => reject(new Error(`${mode} child exited (${e.code ?? e.signal}) before serving`)));
  });
  return { proc, ready, exited, output: () => output };
}

eachDialect('gateway crash: kill -9 mid-load, restart, reconcile', (dialect) => {
  let mock: MockUpstream;
  let db: TestDb;
  let dataDir: string;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    mock = await startMockUpstream();
    db = await createTestDb(dialect);
  });
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await db?.close();
    await mock?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('every answer received before the kill is billed once, nothing billed twice, nothing left reserved', async () => {
    const started = performance.now();
    const k = db.kysely;
    dataDir = mkdtempSync(join(tmpdir(), 'tollgate-gw-crash-'));
    writeFileSync(
      join(dataDir, 'tollgate.yaml'),
      stringify({
        providers: [mockProvider(mock, 'openai', 'up')],
        models: [{ name: 'crash', deployments: [{ provider: 'up', model: 'gpt-4o-mini' }], pricing }],
      }),
    );
    mock.enqueue(...Array.from({ length: 5000 }, (_, i) => scenario(i)));

    const logs: Child<unknown>[] = [];
    const calls: Call[] = [];
    let killAt = Infinity;
    onTestFailed(() => {
      for (const c of logs) console.log(`[${dialect}] child output:\n${c.output()}`);
      const line = (c: Call) =>
        `#${c.i} ${c.stream ? 'stream' : 'json'}${c.capped ? ' capped' : ''} ${c.status ?? '-'} ${c.requestId ?? ''} ` +
        `cost=${c.cost ?? '-'} ${c.complete ? `done ${(c.finishedAt - killAt).toFixed(1)} ms from kill` : ''} ${c.error ?? ''}`;
      console.log(`[${dialect}] calls:\n${calls.map(line).join('\n')}`);
    });

    // 1. The first process under load, killed mid-load.
    const first = startChild<FirstReady>('first', db, dataDir, { METERING_GATEWAY_FLUSH_MS: FIRST_FLUSH_MS });
    children.push(first.proc);
    logs.push(first);
    const w = await first.ready;
    const secretOf = (c: Call) => (c.capped ? w.keys.capped.secret : w.keys.open.secret);
    const agent1 = new Agent();
    const url1 = `http://127.0.0.1:${w.port}`;
    const worker = async () => {
      while (killAt === Infinity) {
        const c = planCall(calls.length);
        calls.push(c);
        await fireCall(agent1, url1, secretOf(c), c);
      }
    };
    const load = Promise.all(Array.from({ length: CONCURRENCY }, worker));
    const loadStart = performance.now();
    const recordedIds = async () =>
      new Set((await k.selectFrom('usage_records').select('request_id').execute()).map((x) => x.request_id));
    await until(
      'usage written, and answers only in the spool',
      async () => {
        if (performance.now() - loadStart < LOAD_MS) return false;
        const ids = await recordedIds();
        const now = performance.now();
        const spooled = calls.filter((c) => c.complete && !ids.has(c.requestId!) && c.finishedAt <= now - WINDOW_MS);
        return ids.size > 0 && spooled.length >= SPOOLED;
      },
      20_000,
    );
    const inFlight = calls.filter((c) => !c.complete && c.error === null);
    killAt = performance.now();
    first.proc.kill('SIGKILL');
    await load;
    await agent1.destroy();
    expect(await first.exited).toEqual({ code: null, signal: 'SIGKILL' });
    // Answers outside the window the dead process had not written: only the replay can bill them.
    const recordedAtKill = await recordedIds();
    const spooled = calls.filter(
      (c) => c.complete && !recordedAtKill.has(c.requestId!) && c.finishedAt <= killAt - WINDOW_MS,
    );
    expect(recordedAtKill.size).toBeGreaterThan(0);
    expect(spooled.length).toBeGreaterThanOrEqual(SPOOLED);
    const firstSpan = performance.now() - started;

    // The kill really landed mid-load, with money held in leases by the dead process.
    expect(inFlight.filter((c) => c.stream).length).toBeGreaterThan(0);
    const deadLeases = await k.selectFrom('budget_leases').select('id').where('status', '=', 'active').execute();
    expect(deadLeases.length).toBeGreaterThan(0);
    const reservedAtKill = (await walletRow(k, w.tenantId)).reserved;
    expect(reservedAtKill).toBeGreaterThan(0n);

    // 2. A new process on the same DATA_DIR and database: replay, sweep, serve, stop cleanly.
    const second = startChild<RestartReady>('restart', db, dataDir);
    children.push(second.proc);
    logs.push(second);
    const r = await second.ready;
    expect(r.replayed.unreadable).toBe(0);
    expect(r.replayed.events).toBeGreaterThanOrEqual(spooled.length);
    expect(existsSync(join(dataDir, 'spool', 'dead-letter.jsonl'))).toBe(false);
    const deadIds = deadLeases.map((l) => l.id);
    await until(
      "the dead process's leases swept",
      async () =>
        (
          await k
            .selectFrom('budget_leases')
            .select('id')
            .where('id', 'in', deadIds)
            .where('status', '=', 'active')
            .execute()
        ).length === 0,
      20_000,
    );
    const agent2 = new Agent();
    const after = Array.from({ length: AFTER_RESTART_CALLS }, (_, i) => planCall(calls.length + i));
    calls.push(...after);
    await Promise.all(after.map((c) => fireCall(agent2, `http://127.0.0.1:${r.port}`, secretOf(c), c)));
    await agent2.close();
    second.proc.send({ cmd: 'stop' });
    expect(await second.exited).toEqual({ code: 0, signal: null });

    // 3. What the clients saw. Before the kill: only 200s, no failure; a call that failed did so
    // because of the kill (in flight then). After the restart: every call answered in full.
    const before = calls.slice(0, calls.length - AFTER_RESTART_CALLS);
    expect(calls.filter((c) => c.status !== null && c.status !== 200).map((c) => `#${c.i} ${c.status}`)).toEqual([]);
    expect(before.filter((c) => c.error !== null && c.failedAt < killAt).map((c) => `#${c.i} ${c.error}`)).toEqual([]);
    expect(after.filter((c) => !c.complete).map((c) => `#${c.i} ${c.error}`)).toEqual([]);
    // A stream's cost in its usage chunk (include_usage) is the one in its trailer.
    expect(calls.filter((c) => c.complete && c.chunkCost !== null && c.chunkCost !== c.cost)).toEqual([]);

    // 4. Usage records ↔ calls: at most one record per call (tagged with the call's `user`) and
    // per request id; every answer received in full is billed at the client's price, except in
    // the last WINDOW_MS before the kill, where it may be missing (counted).
    const records = await k.selectFrom('usage_records').selectAll().execute();
    const byTag = new Map<string, (typeof records)[number][]>();
    for (const rec of records) {
      const t = String((JSON.parse(rec.metadata ?? '{}') as { user?: string }).user);
      byTag.set(t, [...(byTag.get(t) ?? []), rec]);
    }
    expect([...byTag].filter(([, recs]) => recs.length > 1)).toEqual([]);
    expect(new Set(records.map((rec) => rec.request_id)).size).toBe(records.length);
    expect([...byTag.keys()].filter((t) => !calls.some((c) => c.tag === t))).toEqual([]);
    let inWindow = 0;
    const lostInWindow: string[] = [];
    let billedUnfinished = 0;
    for (const c of calls) {
      const rec = byTag.get(c.tag)?.[0];
      const what = `call #${c.i} (${c.stream ? 'stream' : 'json'})`;
      if (rec) {
        expect(rec.tenant_id, what).toBe(w.tenantId);
        expect(rec.key_id, what).toBe(c.capped ? w.keys.capped.id : w.keys.open.id);
        if (c.requestId !== null) expect(rec.request_id, what).toBe(c.requestId);
      }
      if (!c.complete) {
        if (rec) billedUnfinished++;
        continue;
      }
      // (An answer read after killAt had reached the client's socket before the kill.)
      const windowed = c.i < before.length && c.finishedAt > killAt - WINDOW_MS;
      if (windowed) inWindow++;
      if (!rec && windowed) {
        lostInWindow.push(`${(killAt - c.finishedAt).toFixed(1)} ms`);
        continue;
      }
      expect(
        rec,
        `${what}: answered ${(killAt - c.finishedAt).toFixed(1)} ms before the kill, no record`,
      ).toBeDefined();
      expect({ cost: rec!.cost, status: rec!.status }, what).toEqual({ cost: c.cost, status: 'success' });
    }

    // 5. The books: ledger, wallet, budget counters, leases and rollups against the records.
    await expectBooksReconcile(k, db.dialect, {
      tenantId: w.tenantId,
      topUp: parseMoney(money.topUp),
      records,
      keyScopes: [w.keys.capped.id],
    });
    // The dead process's leases were ended by the sweep (no one else could return them).
    const leases = await k.selectFrom('budget_leases').selectAll().execute();
    expect(leases.filter((l) => deadIds.includes(l.id) && l.status !== 'expired')).toEqual([]);

    const answered = before.filter((c) => c.complete).length;
    const lost = lostInWindow.length > 0 ? ` (${lostInWindow.join(', ')} before it)` : '';
    console.log(
      `[${dialect}] ${before.length} calls before the kill: ${answered} answered in full, ${inFlight.length} in ` +
        `flight; ${inWindow} answered within ${WINDOW_MS} ms of the kill, ${lostInWindow.length} of them ` +
        `unbilled${lost}; ${billedUnfinished} billed though cut by the kill. At the kill: ${recordedAtKill.size} ` +
        `records, ${spooled.length} answers outside the window only in the spool, wallet reserved ` +
        `${reservedAtKill}, ${deadIds.length} active leases. Restart replayed ${r.replayed.events} spooled ` +
        `events; ${records.length} records in the end. First process ${(firstSpan / 1000).toFixed(1)} s, ` +
        `total ${((performance.now() - started) / 1000).toFixed(1)} s.`,
    );
  }, 60_000);
});
