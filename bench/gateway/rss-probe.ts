// Where Tollgate's memory goes, for the "1,000 open streams under 150 MB RSS" target of run.ts:
// resident memory at boot, after a load phase, and at the peak of 1,000 concurrent open streams,
// split into what the kernel reports (anonymous memory vs mapped files such as the node binary)
// and, in the process, V8's heap and each thread.
//   npx tsx bench/gateway/rss-probe.ts [--load-ms N] [--streams N] [--server-dir DIST] [--node-flags "..."]
// Expects the compiled server (run.ts builds it and transpiles tollgate-server.ts to dist/).
// Environment variables reach the server (e.g. METERING_WRITER=inline, MALLOC_ARENA_MAX=2).
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { LoadResult, LoadSpec } from './load-client.js';
import { tollgateCall } from './tollgate-call.js';

const here = (f: string) => fileURLToPath(new URL(f, import.meta.url));
const arg = (name: string, dflt: string): string => {
  const i = process.argv.indexOf(name);
  return i === -1 ? dflt : (process.argv[i + 1] ?? dflt);
};
const loadMs = Number(arg('--load-ms', '8000'));
const streams = Number(arg('--streams', '1000'));
const serverDir = arg('--server-dir', here('../../server/dist'));
const nodeFlags = arg('--node-flags', '').split(' ').filter(Boolean);
const maps = process.argv.includes('--maps');

function start(file: string, args: string[], execArgv?: string[]): Promise<{ child: ChildProcess; info: Info }> {
  const child = fork(here(file), args, {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    ...(execArgv ? { execArgv } : {}),
  });
  return new Promise((resolve, reject) => {
    child.once('message', (info) => resolve({ child, info: info as Info }));
    child.once('exit', (code) => reject(new Error(`${file} exited with ${code}`)));
  });
}
type Info = Record<string, unknown>;

function ask<T>(child: ChildProcess, msg: object): Promise<T> {
  return new Promise((resolve) => {
    child.once('message', (m) => resolve(m as T));
    child.send(msg);
  });
}

function run(kind: 'load' | 'streams', spec: LoadSpec, count?: number): Promise<unknown> {
  const child = fork(here('load-client.ts'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    child.once('message', (m: { result?: unknown; error?: string }) =>
      m.error ? reject(new Error(m.error)) : resolve(m.result),
    );
    child.send({ kind, spec, count });
  });
}

/** VmRSS, RssAnon, RssFile and the thread count, from /proc (MB). */
function proc(pid: number): { rss: number; anon: number; file: number; threads: number } {
  const s = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(s)?.[1] ?? 0) / 1024;
  return { rss: kb('VmRSS'), anon: kb('RssAnon'), file: kb('RssFile'), threads: kb('Threads') * 1024 };
}

/** --maps: the largest resident mappings from /proc/<pid>/smaps (V8 spaces, malloc arenas, thread stacks…). */
function largestMappings(pid: number, n = 12): string[] {
  const out: { rss: number; line: string }[] = [];
  let head = '';
  for (const l of readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    if (/^[0-9a-f]+-[0-9a-f]+ /.test(l)) head = l;
    const m = /^Rss:\s+(\d+) kB/.exec(l);
    if (m) out.push({ rss: Number(m[1]) / 1024, line: head });
  }
  out.sort((a, b) => b.rss - a.rss);
  return out.slice(0, n).map((x) => `    ${x.rss.toFixed(1).padStart(6)} MB  ${x.line}`);
}

type Mem = { heapTotal: number; heapUsed: number; external: number; arrayBuffers: number };
const mb = (n: number) => (n / 1048576).toFixed(1);

async function report(label: string, child: ChildProcess): Promise<void> {
  const p = proc(child.pid!);
  const m = (await ask<{ mem: Mem }>(child, { cmd: 'mem' })).mem;
  console.log(
    `${label.padEnd(22)} RSS ${p.rss.toFixed(1)} MB (anon ${p.anon.toFixed(1)}, files ${p.file.toFixed(1)}; ${p.threads} threads)  main heap ${mb(m.heapTotal)} (used ${mb(m.heapUsed)}), external ${mb(m.external)}`,
  );
  if (maps) console.log(largestMappings(child.pid!).join('\n'));
}

const mock = await start('mock-server.ts', []);
const mockOrigin = `http://127.0.0.1:${mock.info['port'] as number}`;
const tg = await start('dist/tollgate-server.js', [mockOrigin, serverDir], nodeFlags);
const pid = tg.child.pid!;
const server = { port: tg.info['port'] as number, secret: tg.info['secret'] as string };
const spec = (concurrency: number, stream: boolean, durationMs: number): LoadSpec =>
  tollgateCall(server, { stream, concurrency, maxRequests: 1_000_000, durationMs });

await new Promise((r) => setTimeout(r, 1000));
await report('boot', tg.child);
if (loadMs > 0) {
  await ask(mock.child, { cmd: 'defaults', behavior: { chunks: 8 } });
  const a = (await run('load', spec(64, false, loadMs / 2))) as LoadResult;
  const b = (await run('load', spec(16, true, loadMs / 2))) as LoadResult;
  await report(`after ${a.requests + b.requests} calls`, tg.child);
}
await ask(mock.child, { cmd: 'defaults', behavior: { chunks: 20, chunkDelayMs: 100 } });
let peak = proc(pid);
const sampler = setInterval(() => {
  const p = proc(pid);
  if (p.rss > peak.rss) peak = p;
}, 50);
const open = (await run('streams', spec(streams, true, 60_000), streams)) as { ok: number; errors: number };
clearInterval(sampler);
console.log(
  `${`${streams} open streams`.padEnd(22)} peak RSS ${peak.rss.toFixed(1)} MB (anon ${peak.anon.toFixed(1)}, files ${peak.file.toFixed(1)}); ok ${open.ok}, errors ${open.errors}`,
);
await report('after the streams', tg.child);
tg.child.send({ cmd: 'stop' });
await new Promise((r) => tg.child.once('exit', r));
mock.child.kill('SIGTERM');
