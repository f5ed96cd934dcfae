// CPU time per request of Tollgate's threads, for before/after comparisons on a shared machine
// where wall-clock figures measure the neighbours: `perf stat` has no instruction counters here,
// but the kernel's per-thread CPU time (/proc/<pid>/task/<tid>/stat) is exact enough over
// thousands of requests. Warm-up load first (JIT), then a fixed number of measured requests.
//   npx tsx bench/gateway/cpu-probe.ts [--stream] [--requests N] [--conc C] [--rounds R]
//     [--warmup N] [--server-dir DIST] [--node-flags "..."] [--prof DIR | --perf FILE | --callgrind DIR | --strace FILE | --alloc FILE]
// Expects the compiled server (run.ts builds it; or `npm run build -w server` and the transpile
// step of run.ts). Prints µs of CPU per request for the main thread (user, system), the busiest
// other thread (the metering writer) and the rest (V8 helpers, libuv), per round. See README.md.
import { execFileSync, fork, spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { LoadResult, LoadSpec } from './load-client.js';
import { tollgateCall } from './tollgate-call.js';

const here = (f: string) => fileURLToPath(new URL(f, import.meta.url));
const arg = (name: string, dflt: string): string => {
  const i = process.argv.indexOf(name);
  return i === -1 ? dflt : (process.argv[i + 1] ?? dflt);
};
const stream = process.argv.includes('--stream');
const requests = Number(arg('--requests', '20000'));
const conc = Number(arg('--conc', '16'));
const rounds = Number(arg('--rounds', '3'));
const prof = arg('--prof', '');
// Deterministic-ish instruction counts: Tollgate under valgrind's callgrind, counters zeroed after
// the warm-up and dumped after each round (per-thread files in this directory).
const callgrind = arg('--callgrind', '');
// CPU-time (not wall) samples of the main thread with JIT symbols: `perf report -i <file>`.
const perfOut = arg('--perf', '');
// System calls per request of the main thread (strace -c; slows the server a lot: counts only).
const straceOut = arg('--strace', '');
// Sampling heap profile of the server over each round, collected objects included: where the
// garbage per request comes from (bytes per request by function, and the .heapprofile file).
const allocOut = arg('--alloc', '');
// Another build of the server (e.g. the last commit's, for an A/B): its dist folder.
const serverDir = arg('--server-dir', here('../../server/dist'));
const TICK_US = 1e6 / 100; // USER_HZ

function start(
  file: string,
  args: string[],
  execArgv?: string[],
  execPath?: string,
): Promise<{ child: ChildProcess; info: Record<string, unknown> }> {
  const child = fork(here(file), args, {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    ...(execArgv ? { execArgv } : {}),
    ...(execPath ? { execPath } : {}),
  });
  return new Promise((resolve, reject) => {
    child.once('message', (info) => resolve({ child, info: info as Record<string, unknown> }));
    child.once('exit', (code) => reject(new Error(`${file} exited with ${code}`)));
  });
}

function load(spec: LoadSpec): Promise<LoadResult> {
  const child = fork(here('load-client.ts'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    child.once('message', (m: { result?: LoadResult; error?: string }) =>
      m.error ? reject(new Error(m.error)) : resolve(m.result!),
    );
    child.send({ kind: 'load', spec });
  });
}

/** CPU µs per thread (by tid), with its name; user and system apart. */
function threads(pid: number): Map<number, { name: string; us: number; user: number }> {
  const out = new Map<number, { name: string; us: number; user: number }>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const s = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const name = s.slice(s.indexOf('(') + 1, s.lastIndexOf(')'));
      const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
      out.set(Number(tid), { name, us: (Number(f[11]) + Number(f[12])) * TICK_US, user: Number(f[11]) * TICK_US });
    } catch {
      // thread ended
    }
  }
  return out;
}

function ask<T>(child: ChildProcess, msg: object): Promise<T> {
  return new Promise((resolve) => {
    child.once('message', (m) => resolve(m as T));
    child.send(msg);
  });
}

interface HeapNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: HeapNode[];
}
interface HeapProfile {
  head: HeapNode;
}

/** Bytes allocated per request: the total, and the 25 largest allocating functions (self). */
function printAllocations(profile: HeapProfile, n: number): void {
  const byFn = new Map<string, number>();
  let total = 0;
  const walk = (node: HeapNode) => {
    const f = node.callFrame;
    const url = f.url.replace(/^.*node_modules\//, '').replace(/^.*\/server\/dist\//, '');
    const key = `${f.functionName || '(anon)'} ${url}:${f.lineNumber + 1}`;
    byFn.set(key, (byFn.get(key) ?? 0) + node.selfSize);
    total += node.selfSize;
    node.children.forEach(walk);
  };
  walk(profile.head);
  console.log(`allocated ${(total / n).toFixed(0)} bytes per request; largest (self, bytes per request):`);
  for (const [k, v] of [...byFn].sort((a, b) => b[1] - a[1]).slice(0, 25))
    console.log(`  ${(v / n).toFixed(0).padStart(7)}  ${k}`);
}

const mock = await start('mock-server.ts', []);
const mockOrigin = `http://127.0.0.1:${mock.info['port'] as number}`;
if (stream) {
  await new Promise<void>((resolve) => {
    mock.child.once('message', () => resolve());
    mock.child.send({ cmd: 'defaults', behavior: { chunks: 8 } });
  });
}
// --node-flags "...": V8/Node flags for the server (e.g. "--max-semi-space-size=4").
const nodeFlags = arg('--node-flags', '').split(' ').filter(Boolean);
const execArgv = [
  ...nodeFlags,
  ...(prof ? ['--cpu-prof', `--cpu-prof-dir=${prof}`] : perfOut ? ['--perf-basic-prof'] : []),
];
const tg = callgrind
  ? await start(
      'dist/tollgate-server.js',
      [mockOrigin, serverDir],
      [
        '--tool=callgrind',
        '--separate-threads=yes',
        '--dump-instr=no',
        `--callgrind-out-file=${callgrind}/cg.%p`,
        process.execPath,
        ...nodeFlags,
      ],
      'valgrind',
    )
  : await start('dist/tollgate-server.js', [mockOrigin, serverDir], execArgv);
const pid = tg.child.pid!;
const server = { port: tg.info['port'] as number, secret: tg.info['secret'] as string };
/** The gateway's own-time histogram (tollgate_gateway_overhead_seconds): cumulative count per bucket. */
async function overheadBuckets(): Promise<Map<string, number>> {
  const text = await new Promise<string>((resolve) => {
    tg.child.once('message', (m: { metrics: string }) => resolve(m.metrics));
    tg.child.send({ cmd: 'metrics' });
  });
  const out = new Map<string, number>();
  for (const m of text.matchAll(/^tollgate_gateway_overhead_seconds_bucket\{le="([^"]+)"\} (\d+)/gm))
    out.set(m[1]!, Number(m[2]));
  return out;
}
const spec = (n: number): LoadSpec =>
  tollgateCall(server, { stream, concurrency: conc, maxRequests: n, durationMs: 600_000 });

await load(spec(Number(arg('--warmup', String(Math.max(5000, requests / 2))))));
console.log(`${stream ? 'stream' : 'json'} c=${conc}, ${requests} requests per round; CPU µs/request`);
console.log('main    (user   sys)    busiest other  rest    total   (req/s, p50 / p99 µs; calls within)');
for (let r = 0; r < rounds; r++) {
  if (callgrind) execFileSync('callgrind_control', ['-z', String(pid)]);
  const rec = perfOut
    ? spawn('perf', ['record', '-e', 'cpu-clock', '-F', '2000', '-g', '-t', String(pid), '-o', `${perfOut}.${r}`], {
        stdio: 'ignore',
      })
    : straceOut
      ? spawn('strace', ['-c', '-p', String(pid), '-o', `${straceOut}.${r}`], { stdio: 'ignore' })
      : null;
  if (straceOut) await new Promise((r) => setTimeout(r, 500));
  if (allocOut) await ask(tg.child, { cmd: 'alloc-start' });
  const before = threads(pid);
  const ohBefore = callgrind ? null : await overheadBuckets();
  const res = await load(spec(requests));
  const after = threads(pid);
  const ohAfter = callgrind ? null : await overheadBuckets();
  if (allocOut) {
    const { profile } = await ask<{ profile: HeapProfile }>(tg.child, { cmd: 'alloc-stop' });
    writeFileSync(`${allocOut}.${r}.heapprofile`, JSON.stringify(profile));
    printAllocations(profile, res.requests + res.errors);
  }
  if (rec) {
    rec.kill('SIGINT');
    await new Promise((done) => rec.once('exit', done));
  }
  let main = 0;
  let mainUser = 0;
  const others: number[] = [];
  for (const [tid, a] of after) {
    const b = before.get(tid);
    const d = a.us - (b?.us ?? 0);
    if (tid === pid) {
      main = d;
      mainUser = a.user - (b?.user ?? 0);
    } else others.push(d);
  }
  // The busiest other thread under load is the metering writer (V8 helpers and libuv are all "node").
  others.sort((x, y) => y - x);
  const busiest = others[0] ?? 0;
  const rest = others.slice(1).reduce((x, y) => x + y, 0);
  const n = res.requests + res.errors;
  if (callgrind) {
    execFileSync('callgrind_control', ['-d', `round${r}`, String(pid)]);
    console.log(`round ${r}: ${n} requests, dumped`);
  }
  // Share of calls whose own time in Tollgate (upstream excluded) was within 0.5 / 1 ms: when p99
  // is far above that, the slow calls waited outside Tollgate's code (scheduling, the other parties).
  const within = (le: string) => {
    const all = (ohAfter?.get('+Inf') ?? 0) - (ohBefore?.get('+Inf') ?? 0);
    const k = (ohAfter?.get(le) ?? 0) - (ohBefore?.get(le) ?? 0);
    return all ? `${((100 * k) / all).toFixed(1)}%` : '-';
  };
  const f = (x: number, w = 8) => (x / n).toFixed(1).padEnd(w);
  console.log(
    `${f(main)}(${f(mainUser, 7)}${f(main - mainUser, 7)})${f(busiest, 15)}${f(rest)}${f(main + busiest + rest)}(${Math.round(res.rps)}, ${Math.round(res.p50us)} / ${Math.round(res.p99us)}${res.errors ? `, ${res.errors} errors` : ''}; own time ≤0.5/≤1 ms ${within('0.0005')} / ${within('0.001')})`,
  );
}
tg.child.send({ cmd: 'stop' });
await new Promise((r) => tg.child.once('exit', r));
mock.child.kill('SIGTERM');
