// Main-thread side of METERING_WRITER=worker: a BatchWriter that hands each chunk's spool lines to
// the writer thread (writer-worker.ts) and resolves with its outcomes. The pipeline (spool,
// batching, bisection, dead letters, segment deletion) stays on the main thread unchanged; only
// the database work moves. A thread that dies fails its pending chunks (the pipeline retries
// them) and is started again by the next chunk.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import { PartialWriteError, type BatchWriter } from './batch-writer.js';
import { encodeSpoolLine } from './spool-codec.js';
import type { ToMain, ToWorker, WriterWorkerData } from './writer-protocol.js';

export interface WorkerWriter {
  write: BatchWriter;
  /** Resolves once the thread has loaded and opened its connection (started now, not on first use). */
  ready(): Promise<void>;
  /**
   * Is a thread up (starting one if none is)? A thread that cannot start makes the pipeline wait
   * and retry, like a database outage, instead of bisecting and dead-lettering good events.
   */
  healthy(): Promise<boolean>;
  /** A budget definition changed (no key: all): the thread drops its cached copy. */
  invalidate(scopeKey?: string): void;
  close(): Promise<void>;
}

interface Waiting {
  resolve: (outcomes: Awaited<ReturnType<BatchWriter>>) => void;
  reject: (e: Error) => void;
}

/**
 * The writer thread's module. Built, it is the .js beside this file. Under tsx/vitest this module
 * is TypeScript: the thread first registers tsx's loader (Node 20 does not take `--import` in a
 * worker's execArgv), then imports the .ts.
 */
/**
 * tsx's ESM API as a file URL, resolved from this module: the eval'd boot code would resolve it from
 * the working directory (`tsx server/src/main.ts` started elsewhere could not find it). vitest's
 * module runner has no import.meta.resolve, so the entry is read from tsx's package.json there.
 */
function tsxEsmApi(): string {
  if (typeof import.meta.resolve === 'function') return import.meta.resolve('tsx/esm/api');
  const pkgPath = createRequire(import.meta.url).resolve('tsx/package.json');
  const pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as {
    exports: Record<string, { import: { default: string } }>;
  };
  return pathToFileURL(join(dirname(pkgPath), pkg.exports['./esm/api']!.import.default)).href;
}

function spawnWorker(data: WriterWorkerData): Worker {
  if (!import.meta.url.endsWith('.ts'))
    return new Worker(new URL('./writer-worker.js', import.meta.url), { workerData: data });
  const entry = new URL('./writer-worker.ts', import.meta.url).href;
  const boot = `import(${JSON.stringify(tsxEsmApi())}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); })`;
  return new Worker(boot, { eval: true, workerData: data });
}

export function startWorkerWriter(data: WriterWorkerData, deps: { log: Logger; now: () => number }): WorkerWriter {
  const { log } = deps;
  let worker: Worker | null = null;
  let exited: Promise<void> = Promise.resolve();
  let started: Promise<void> = Promise.resolve();
  let up = false;
  let nextId = 1;
  const waiting = new Map<number, Waiting>();

  function failAll(e: Error): void {
    for (const w of waiting.values()) w.reject(e);
    waiting.clear();
  }

  function spawn(): Worker {
    const w = spawnWorker(data);
    w.unref(); // held only while chunks are in flight (below)
    exited = new Promise((resolve) => w.once('exit', () => resolve()));
    up = false;
    started = new Promise((resolve) => {
      w.once('exit', () => resolve());
      w.on('message', (m: ToMain) => {
        if (m.type !== 'ready') return;
        up = true;
        resolve();
      });
    });
    w.on('message', (m: ToMain) => {
      if (m.type === 'log') log[m.level](m.obj, m.msg);
      if (m.type !== 'done' && m.type !== 'failed') return;
      const pending = waiting.get(m.id);
      waiting.delete(m.id);
      if (waiting.size === 0) w.unref();
      if (!pending) return;
      if (m.type === 'done') pending.resolve(m.outcomes);
      else pending.reject(new PartialWriteError(m.message, m.code, m.committed));
    });
    w.on('error', (e) => log.error({ err: e }, 'metering writer thread failed'));
    w.on('exit', (code) => {
      if (worker !== w) return;
      worker = null;
      up = false;
      if (waiting.size > 0) failAll(new Error(`metering writer thread exited (${code})`));
    });
    return w;
  }

  const post = (m: ToWorker) => (worker ??= spawn()).postMessage(m);
  worker = spawn();

  return {
    write(items, lines) {
      const id = nextId++;
      // One string per chunk: structured-cloning one string is a copy, an array of them costs a
      // serialisation step per element. A spool line is JSON: it never holds a raw newline.
      const text = (lines ?? items.map(encodeSpoolLine)).join('\n');
      return new Promise((resolve, reject) => {
        waiting.set(id, { resolve, reject });
        post({ type: 'write', id, text, now: deps.now() });
        worker!.ref();
      });
    },
    ready: () => started,
    async healthy() {
      const w = (worker ??= spawn());
      await started;
      return worker === w && up;
    },
    invalidate(scopeKey) {
      worker?.postMessage({ type: 'invalidate', scopeKey } satisfies ToWorker);
    },
    async close() {
      const w = worker;
      if (!w) return;
      w.ref();
      w.postMessage({ type: 'close' } satisfies ToWorker);
      await exited;
    },
  };
}
