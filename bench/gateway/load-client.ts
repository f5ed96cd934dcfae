// The benchmark's load generator, run in its own process so it never shares an event loop with
// the servers under test. Keeps `concurrency` requests in flight for at most `durationMs` and
// `maxRequests`, and reports latency percentiles, requests/s, errors, and for streams the time
// to the first streamed token. Input and output travel over the IPC channel as JSON.
import { Pool } from 'undici';

export interface LoadSpec {
  origin: string;
  path: string;
  headers: Record<string, string>;
  body: string;
  concurrency: number;
  durationMs: number;
  maxRequests: number;
  stream: boolean;
  /** Requests run (and discarded) first to warm connections and JIT. */
  warmup: number;
}

export interface LoadResult {
  requests: number;
  errors: number;
  rps: number;
  p50us: number;
  p99us: number;
  /** Streams: time to the first `data:` line carrying content, in µs. */
  ttftP50us: number | null;
  ttftP99us: number | null;
  firstError: string | null;
}

const pct = (sorted: number[], p: number): number =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]! : 0;

async function one(pool: Pool, spec: LoadSpec): Promise<{ us: number; ttftUs: number | null }> {
  const t0 = process.hrtime.bigint();
  const res = await pool.request({ path: spec.path, method: 'POST', headers: spec.headers, body: spec.body });
  let ttft: bigint | null = null;
  if (res.statusCode !== 200) {
    const text = await res.body.text();
    throw new Error(`status ${res.statusCode}: ${text.slice(0, 200)}`);
  }
  if (spec.stream) {
    for await (const c of res.body) {
      if (ttft === null && (c as Buffer).includes('"content":"')) ttft = process.hrtime.bigint();
    }
  } else {
    await res.body.dump();
  }
  const end = process.hrtime.bigint();
  return { us: Number(end - t0) / 1000, ttftUs: ttft === null ? null : Number(ttft - t0) / 1000 };
}

export async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  const pool = new Pool(spec.origin, { connections: spec.concurrency, pipelining: 1, keepAliveTimeout: 60_000 });
  for (let i = 0; i < spec.warmup; i += spec.concurrency) {
    await Promise.allSettled(
      Array.from({ length: Math.min(spec.concurrency, spec.warmup - i) }, () => one(pool, spec)),
    );
  }
  const lat: number[] = [];
  const ttft: number[] = [];
  let errors = 0;
  let started = 0;
  let firstError: string | null = null;
  const t0 = performance.now();
  const deadline = t0 + spec.durationMs;
  async function worker(): Promise<void> {
    while (started < spec.maxRequests && performance.now() < deadline) {
      started++;
      try {
        const r = await one(pool, spec);
        lat.push(r.us);
        if (r.ttftUs !== null) ttft.push(r.ttftUs);
      } catch (e) {
        errors++;
        firstError ??= String((e as Error).message ?? e);
      }
    }
  }
  await Promise.all(Array.from({ length: spec.concurrency }, worker));
  const elapsed = (performance.now() - t0) / 1000;
  await pool.close();
  lat.sort((a, b) => a - b);
  ttft.sort((a, b) => a - b);
  return {
    requests: lat.length,
    errors,
    rps: lat.length / elapsed,
    p50us: pct(lat, 0.5),
    p99us: pct(lat, 0.99),
    ttftP50us: ttft.length ? pct(ttft, 0.5) : null,
    ttftP99us: ttft.length ? pct(ttft, 0.99) : null,
    firstError,
  };
}

/** Open `count` streams at once, hold them until they end; count errors. */
export async function runOpenStreams(
  spec: LoadSpec,
  count: number,
): Promise<{ ok: number; errors: number; firstError: string | null }> {
  const pool = new Pool(spec.origin, { connections: count, pipelining: 1 });
  let ok = 0;
  let errors = 0;
  let firstError: string | null = null;
  await Promise.all(
    Array.from({ length: count }, () =>
      one(pool, spec).then(
        () => void ok++,
        (e: unknown) => {
          errors++;
          firstError ??= String((e as Error).message ?? e);
        },
      ),
    ),
  );
  await pool.close();
  return { ok, errors, firstError };
}

// As a child process: receive one job, answer, exit.
if (process.send) {
  process.once('message', (msg: { kind: 'load' | 'streams'; spec: LoadSpec; count?: number }) => {
    const job = msg.kind === 'streams' ? runOpenStreams(msg.spec, msg.count ?? 1000) : runLoad(msg.spec);
    job.then(
      (result) => process.send!({ result }, () => process.exit(0)),
      (e: unknown) => process.send!({ error: String(e) }, () => process.exit(1)),
    );
  });
}
