// Gateway benchmark — one command: `npx tsx bench/gateway/run.ts`.
// Starts, each in its own process: the mock upstream, the minimal pass-through baseline proxy, and
// Tollgate (temp SQLite; auth, rate limits, budget reservation and metering all on). A separate
// load-client process drives each in turn and reports; this file prints the comparison:
// requests/s and p50/p99 at concurrency 1/16/64 for (a) mock direct, (b) baseline, (c) Tollgate;
// added latency c − a at concurrency 1; throughput ratio c/b at 64; CPU time per request; stream
// time-to-first-token overhead at 1 and 16; 1,000 concurrent open streams (errors, peak RSS).
// Tollgate runs as compiled JavaScript, as `npm start` runs it: the server is built first.
import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import type { LoadResult, LoadSpec } from './load-client.js';

const here = (f: string) => fileURLToPath(new URL(f, import.meta.url));

/** `npm run build -w server`, then this folder's tollgate-server.ts as JavaScript beside it in dist/. */
function buildTollgate(): { file: string; serverDir: string } {
  // BENCH_SERVER_DIR: an already built server (e.g. the last commit's, for an A/B) instead of building this one.
  const given = process.env['BENCH_SERVER_DIR'];
  if (!given)
    execFileSync('npm', ['run', 'build', '-w', 'server'], {
      cwd: here('../..'),
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  const { outputText } = ts.transpileModule(readFileSync(here('tollgate-server.ts'), 'utf8'), {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
  });
  mkdirSync(here('dist'), { recursive: true });
  writeFileSync(here('dist/tollgate-server.js'), outputText);
  return { file: 'dist/tollgate-server.js', serverDir: given ?? here('../../server/dist') };
}
const PHASE_MS = Number(process.env['BENCH_PHASE_MS'] ?? 4000);
const children: ChildProcess[] = [];

function start(
  file: string,
  args: string[] = [],
  compiled = false,
): Promise<{ child: ChildProcess; info: Record<string, unknown> }> {
  // The TypeScript parties inherit tsx's loader from this process; compiled JavaScript runs on plain node.
  const child = fork(here(file), args, {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    ...(compiled ? { execArgv: [] } : {}),
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`${file} did not start in 60 s`)), 60_000);
    child.once('message', (info) => {
      clearTimeout(t);
      resolve({ child, info: info as Record<string, unknown> });
    });
    child.once('exit', (code) => reject(new Error(`${file} exited with ${code}`)));
  });
}

function ask<T>(child: ChildProcess, msg: object): Promise<T> {
  return new Promise((resolve) => {
    child.once('message', (m) => resolve(m as T));
    child.send(msg);
  });
}

async function load(kind: 'load' | 'streams', spec: LoadSpec, count?: number): Promise<unknown> {
  const child = fork(here('load-client.ts'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const out = await new Promise<{ result?: unknown; error?: string }>((resolve) => {
    child.once('message', (m) => resolve(m as never));
    child.send({ kind, spec, count });
  });
  if (out.error) throw new Error(out.error);
  return out.result;
}

type Cpu = { cpu: NodeJS.CpuUsage; rss: number };
const us = (n: number) => `${Math.round(n)} µs`;
const pad = (s: string | number, n: number) => String(s).padStart(n);

async function main(): Promise<void> {
  const t0 = Date.now();
  const built = buildTollgate();
  const mock = await start('mock-server.ts');
  const mockOrigin = `http://127.0.0.1:${mock.info['port'] as number}`;
  const baseline = await start('baseline-proxy.ts', [mockOrigin]);
  const tollgate = await start(built.file, [mockOrigin, built.serverDir], true);
  const secret = tollgate.info['secret'] as string;
  const targets = {
    direct: { origin: mockOrigin, headers: {} as Record<string, string> },
    baseline: { origin: `http://127.0.0.1:${baseline.info['port'] as number}`, headers: {} as Record<string, string> },
    tollgate: {
      origin: `http://127.0.0.1:${tollgate.info['port'] as number}`,
      headers: { authorization: `Bearer ${secret}` },
    },
  };
  const body = (stream: boolean) =>
    JSON.stringify({
      model: 'bench-model',
      messages: [{ role: 'user', content: 'Hello! How are you today?' }],
      max_tokens: 32,
      ...(stream ? { stream: true } : {}),
    });
  // Direct and baseline speak to the mock, which expects an upstream model name; Tollgate maps its own.
  const bodyFor = (name: string, stream: boolean) =>
    name === 'tollgate' ? body(stream) : body(stream).replace('bench-model', 'gpt-4o-mini');
  const spec = (name: keyof typeof targets, concurrency: number, stream = false, durationMs = PHASE_MS): LoadSpec => ({
    origin: targets[name].origin,
    path: '/v1/chat/completions',
    headers: { 'content-type': 'application/json', ...targets[name].headers },
    body: bodyFor(name, stream),
    concurrency,
    durationMs,
    maxRequests: 200_000,
    stream,
    warmup: Math.max(200, concurrency * 10),
  });

  console.log(`\nTollgate gateway benchmark (phases of ${PHASE_MS} ms; Node ${process.version})\n`);
  const results: Record<string, Record<number, LoadResult>> = { direct: {}, baseline: {}, tollgate: {} };
  const cpuPerReq: Record<string, number> = {};
  console.log(
    `${'target'.padEnd(10)}${pad('conc', 6)}${pad('req/s', 10)}${pad('p50', 12)}${pad('p99', 12)}${pad('errors', 8)}`,
  );
  // Each party is warmed up before its first measured phase (JIT, connection pools): the phases
  // compare steady states, not how fast a party's code gets compiled.
  const warmUp = (name: keyof typeof targets, stream: boolean) =>
    load('load', { ...spec(name, 16, stream, 1500), warmup: 0 });
  /** A JSON phase at c=64 with the server's CPU per request (its warm-up requests count too). */
  const withCpu = async (name: 'baseline' | 'tollgate') => {
    const server = name === 'baseline' ? baseline.child : tollgate.child;
    const before = await ask<Cpu>(server, { cmd: 'cpu' });
    const r = (await load('load', spec(name, 64))) as LoadResult;
    const after = await ask<Cpu>(server, { cmd: 'cpu' });
    const cpu = after.cpu.user + after.cpu.system - before.cpu.user - before.cpu.system;
    return { r, cpu: cpu / (r.requests + r.errors + spec(name, 64).warmup) };
  };
  for (const name of ['direct', 'baseline', 'tollgate'] as const) {
    await warmUp(name, false);
    for (const c of [1, 16, 64]) {
      let r: LoadResult;
      if (name !== 'direct' && c === 64) {
        const m = await withCpu(name);
        r = m.r;
        cpuPerReq[name] = m.cpu;
      } else r = (await load('load', spec(name, c))) as LoadResult;
      results[name]![c] = r;
      console.log(
        `${name.padEnd(10)}${pad(c, 6)}${pad(Math.round(r.rps), 10)}${pad(us(r.p50us), 12)}${pad(us(r.p99us), 12)}${pad(r.errors, 8)}${r.firstError ? `  (${r.firstError})` : ''}`,
      );
    }
  }

  console.log('\nStreams (time to first token)');
  await ask(mock.child, { cmd: 'defaults', behavior: { chunks: 8 } });
  const ttft: Record<string, Record<number, LoadResult>> = { direct: {}, baseline: {}, tollgate: {} };
  for (const name of ['direct', 'baseline', 'tollgate'] as const) {
    await warmUp(name, true);
    for (const c of [1, 16]) {
      const r = (await load('load', spec(name, c, true, Math.min(PHASE_MS, 3000)))) as LoadResult;
      ttft[name]![c] = r;
      console.log(
        `${name.padEnd(10)}${pad(c, 6)}  ttft p50 ${pad(us(r.ttftP50us ?? 0), 10)}  p99 ${pad(us(r.ttftP99us ?? 0), 10)}  errors ${r.errors}${r.firstError ? ` (${r.firstError})` : ''}`,
      );
    }
  }

  // Before the extra rounds below, so the idle RSS it starts from is the one after the tables.
  console.log('\n1,000 concurrent open streams through Tollgate');
  await ask(mock.child, { cmd: 'defaults', behavior: { chunks: 20, chunkDelayMs: 100 } });
  const idleRss = (await ask<Cpu>(tollgate.child, { cmd: 'cpu' })).rss;
  let peakRss = 0;
  let sampling = false;
  const sampler = setInterval(() => {
    if (sampling) return;
    sampling = true;
    void ask<Cpu>(tollgate.child, { cmd: 'cpu' }).then((m) => {
      peakRss = Math.max(peakRss, m.rss);
      sampling = false;
    });
  }, 100);
  const open = (await load('streams', { ...spec('tollgate', 1000, true), warmup: 0 }, 1000)) as {
    ok: number;
    errors: number;
    firstError: string | null;
  };
  clearInterval(sampler);
  while (sampling) await new Promise((r) => setTimeout(r, 20));
  console.log(
    `  ok ${open.ok}, errors ${open.errors}${open.firstError ? ` (${open.firstError})` : ''}, peak RSS ${(peakRss / 1048576).toFixed(1)} MB (before: ${(idleRss / 1048576).toFixed(1)} MB)`,
  );

  // The neighbours' load drifts over minutes, and the tables above measure each party minutes apart.
  // So the compared pairs are measured again back to back, BENCH_AB_ROUNDS times in all (the tables
  // are round 1), and the summary takes the median of the per-round figures.
  const rounds = Math.max(1, Number(process.env['BENCH_AB_ROUNDS'] ?? 3));
  const ab = {
    addP50: [results['tollgate']![1]!.p50us - results['direct']![1]!.p50us],
    addP99: [results['tollgate']![1]!.p99us - results['direct']![1]!.p99us],
    ratio: [results['tollgate']![64]!.rps / results['baseline']![64]!.rps],
    cpuTollgate: [cpuPerReq['tollgate'] ?? 0],
    cpuBaseline: [cpuPerReq['baseline'] ?? 0],
    ttftAdd1: [(ttft['tollgate']![1]!.ttftP50us ?? 0) - (ttft['direct']![1]!.ttftP50us ?? 0)],
    ttftRatio16: [(ttft['tollgate']![16]!.ttftP50us ?? 0) / (ttft['baseline']![16]!.ttftP50us || 1)],
  };
  if (rounds > 1) console.log(`\nInterleaved A/B rounds 2..${rounds} (same phases, back to back)`);
  await ask(mock.child, { cmd: 'defaults', behavior: { chunks: 8 } });
  for (let round = 2; round <= rounds; round++) {
    const run = (name: keyof typeof targets, c: number, stream = false) =>
      load('load', spec(name, c, stream, stream ? Math.min(PHASE_MS, 3000) : PHASE_MS)) as Promise<LoadResult>;
    const d1 = await run('direct', 1);
    const t1 = await run('tollgate', 1);
    const b64 = await withCpu('baseline');
    const t64 = await withCpu('tollgate');
    const bs16 = await run('baseline', 16, true);
    const ts16 = await run('tollgate', 16, true);
    const ds1 = await run('direct', 1, true);
    const ts1 = await run('tollgate', 1, true);
    ab.addP50.push(t1.p50us - d1.p50us);
    ab.addP99.push(t1.p99us - d1.p99us);
    ab.ratio.push(t64.r.rps / b64.r.rps);
    ab.cpuTollgate.push(t64.cpu);
    ab.cpuBaseline.push(b64.cpu);
    ab.ttftRatio16.push((ts16.ttftP50us ?? 0) / (bs16.ttftP50us || 1));
    ab.ttftAdd1.push((ts1.ttftP50us ?? 0) - (ds1.ttftP50us ?? 0));
    const errors = [d1, t1, b64.r, t64.r, bs16, ts16, ds1, ts1].reduce((n, r) => n + r.errors, 0);
    console.log(
      `round ${round}: added p50/p99 at c=1 ${us(ab.addP50.at(-1)!)} / ${us(ab.addP99.at(-1)!)}; c/b at 64 ${ab.ratio.at(-1)!.toFixed(2)} (${Math.round(t64.r.rps)} / ${Math.round(b64.r.rps)} req/s; CPU ${us(t64.cpu)} / ${us(b64.cpu)}); TTFT over direct at 1 ${us(ab.ttftAdd1.at(-1)!)}, TTFT ratio at 16 ${ab.ttftRatio16.at(-1)!.toFixed(2)}×; errors ${errors}`,
    );
  }

  const median = (xs: number[]) => {
    const a = [...xs].sort((x, y) => x - y);
    const m = Math.floor(a.length / 2);
    return a.length % 2 ? a[m]! : (a[m - 1]! + a[m]!) / 2;
  };
  const each = (xs: number[], f: (x: number) => string) => (xs.length > 1 ? ` (rounds: ${xs.map(f).join(', ')})` : '');
  const ratio = median(ab.ratio);
  const addP50 = median(ab.addP50);
  const addP99 = median(ab.addP99);
  const ttftAdd1 = median(ab.ttftAdd1);
  const ttftRatio16 = median(ab.ttftRatio16);
  const mark = (ok: boolean) => (ok ? 'PASS' : 'MISS');
  console.log(`\nSummary (targets from issue 4; median of ${rounds} round${rounds > 1 ? 's' : ''})`);
  console.log(
    `  added latency at c=1 (Tollgate − direct): p50 ${us(addP50)} [${mark(addP50 <= 300)} ≤ 300 µs]${each(ab.addP50, us)}, p99 ${us(addP99)} [${mark(addP99 <= 2000)} ≤ 2000 µs]${each(ab.addP99, us)}`,
  );
  console.log(
    `  throughput ratio Tollgate/baseline at c=64: ${ratio.toFixed(2)} [${mark(ratio >= 0.6)} ≥ 0.6]${each(ab.ratio, (x) => x.toFixed(2))}   (table: baseline/direct ${(results['baseline']![64]!.rps / results['direct']![64]!.rps).toFixed(2)})`,
  );
  console.log(
    `  CPU per request at c=64: Tollgate ${us(median(ab.cpuTollgate))}, baseline ${us(median(ab.cpuBaseline))}${each(
      ab.cpuTollgate.map((c, i) => c / (ab.cpuBaseline[i] || 1)),
      (x) => `${x.toFixed(2)}×`,
    )}`,
  );
  console.log(
    `  stream TTFT over direct at c=1: ${us(ttftAdd1)} [${mark(ttftAdd1 <= 1000)} ≤ 1000 µs]; Tollgate/baseline TTFT at c=16: ${ttftRatio16.toFixed(2)}× [${mark(ttftRatio16 <= 1.2)} ≤ 1.2×]${each(ab.ttftRatio16, (x) => `${x.toFixed(2)}×`)}`,
  );
  // The process starts at ~170 MB under tsx (transpiler + every module of the app): the growth
  // over idle is what the streams themselves cost.
  console.log(
    `  1,000 open streams: ${open.errors} errors, peak RSS ${(peakRss / 1048576).toFixed(1)} MB [${mark(open.errors === 0 && peakRss < 150 * 1048576)} no error, < 150 MB], growth over idle ${((peakRss - idleRss) / 1048576).toFixed(1)} MB`,
  );
  console.log(`\n(total ${((Date.now() - t0) / 1000).toFixed(0)} s)`);
}

main()
  .catch((e: unknown) => {
    console.error('benchmark failed:', e);
    process.exitCode = 1;
  })
  .finally(() => {
    for (const c of children) c.kill('SIGTERM');
  });
