import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProviderAdapter } from '../providers/ports.js';
import type { Deployment } from '../routing/ports.js';
import { UpstreamFormatError } from '../providers/registry.js';
import { CircuitBreaker } from '../routing/circuit-breaker.js';
import { runAttempts, UnusableAnswer } from './attempt-loop.js';
import { AbortEmitter, type CallAbortSignal } from './call-signal.js';
import type { GatewayDeps } from './deps.js';
import { createGatewayMetrics } from './metrics.js';
import { UpstreamClient, classifyTransportError, splitUrl } from './upstream-client.js';

// A tiny upstream whose behaviour per path is scripted: /ok, /slow, /429-frac (Retry-After: 2.5),
// and /<status> (/500, /429 with Retry-After: 1, /400, /401…).
let server: Server;
let base = '';
const hits: string[] = [];
beforeAll(async () => {
  server = createServer((req, res) => {
    hits.push(req.url!);
    if (req.url === '/ok') return res.end('{"fine":true}');
    if (req.url === '/slow') return setTimeout(() => res.end('{}'), 1500);
    if (req.url === '/429-frac') {
      res.statusCode = 429;
      res.setHeader('retry-after', '2.5');
      return res.end('{"error":{"message":"scripted"}}');
    }
    res.statusCode = Number(req.url!.slice(1));
    if (res.statusCode === 429) res.setHeader('retry-after', '1');
    res.end('{"error":{"message":"scripted"}}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const adapter = {
  type: 'openai',
  buildChatRequest: (p: { baseUrl: string }, model: string) => ({
    url: `${p.baseUrl}/${model}`,
    method: 'POST',
    headers: {},
    body: '{}',
  }),
  parseError: (status: number, body: string) => ({ status, message: body, retryable: status === 429 || status >= 500 }),
} as unknown as ProviderAdapter;

const dep = (id: string, path: string, baseUrl = base): Deployment => ({
  id,
  model: 'm',
  provider: { id: `p-${id}`, type: 'openai', baseUrl, apiKey: null },
  upstreamModel: path,
  priority: 1,
  weight: 1,
  maxOutputTokens: null,
  timeoutMs: null,
});

function deps(maxRetries = 0, firstByteTimeoutMs = 5000) {
  const records: { id: string; ok: boolean }[] = [];
  /** What the breaker is told: whether each failure counts against its deployment. */
  const counted: { id: string; retryable: boolean }[] = [];
  const record = (id: string, o: { ok: boolean; retryable: boolean }) => {
    records.push({ id, ok: o.ok });
    if (!o.ok) counted.push({ id, retryable: o.retryable });
  };
  const d = {
    settings: { upstreamTimeoutMs: 10_000, firstByteTimeoutMs, maxRetries, defaultMaxOutputTokens: 100 },
    clock: { now: () => 0 },
    log: pino({ level: 'silent' }),
    planner: { plan: () => [], claim: () => true, record },
    adapterFor: () => adapter,
    upstream: new UpstreamClient(),
    metrics: createGatewayMetrics(),
    retryDelayMs: () => 0,
  } as unknown as GatewayDeps;
  return { d, records, counted };
}

const run = (
  d: GatewayDeps,
  plan: Deployment[],
  signal: CallAbortSignal = new AbortEmitter(),
  accept: (text: string) => unknown = (text) => text,
) =>
  runAttempts(d, {
    requestId: 'req_t',
    plan,
    build: (a, dp) => a.buildChatRequest(dp.provider, dp.upstreamModel, { model: 'm', messages: [] }),
    accept: async (r) => accept(await r.text()),
    signal,
    timedOut: () => false,
  });

describe('runAttempts', () => {
  it.each(['500', '429'])('falls back from a %s to the next deployment', async (code) => {
    const { d, records } = deps();
    const r = await run(d, [dep('a', code), dep('b', 'ok')]);
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(r.deployment.id).toBe('b');
      expect(r.attempt).toBe(2);
      expect(r.value).toBe('{"fine":true}');
    }
    expect(records).toEqual([
      { id: 'a', ok: false },
      { id: 'b', ok: true },
    ]);
  });

  it('passes over a fallback it can no longer claim (circuit opened, trial taken) and not only for this pass', async () => {
    const { d, records } = deps(1);
    const claims: string[] = [];
    d.planner.claim = (id) => (claims.push(id), id !== 'b');
    hits.length = 0;
    const r = await run(d, [dep('a', '500'), dep('b', 'ok'), dep('c', '503')]);
    // b is never sent to; c fails; the retry pass goes back to a and c only.
    expect(r.ok).toBe(false);
    expect(claims).toEqual(['b', 'c']);
    expect(hits).toEqual(['/500', '/503', '/500']);
    expect(records.map((x) => x.id)).toEqual(['a', 'c', 'a']);
  });

  it('falls back on a first-byte timeout and on a refused connection', async () => {
    const { d } = deps(0, 200);
    const r = await run(d, [dep('a', 'slow'), dep('dead', 'ok', 'http://127.0.0.1:1'), dep('b', 'ok')]);
    expect(r.ok && r.deployment.id).toBe('b');
  });

  it('skips a deployment whose provider lacks the endpoint, without retrying it; none has it → 400', async () => {
    const { d } = deps(2);
    hits.length = 0;
    const only = (served: string) => (a: ProviderAdapter, dp: Deployment) =>
      dp.id === served ? a.buildChatRequest(dp.provider, dp.upstreamModel, { model: 'm', messages: [] }) : null;
    const input = (served: string, plan: Deployment[]) => ({
      requestId: 'req_t',
      plan,
      build: only(served),
      accept: async (r: { text(): Promise<string> }) => r.text(),
      signal: new AbortEmitter(),
      timedOut: () => false,
    });
    const r = await runAttempts(d, input('b', [dep('a', 'ok'), dep('b', 'ok')]));
    expect(r.ok && r.deployment.id).toBe('b');
    expect(hits).toEqual(['/ok']);
    const none = await runAttempts(d, input('nobody', [dep('a', 'ok'), dep('b', 'ok')]));
    expect(!none.ok && [none.error.status, none.error.code]).toEqual([400, 'unsupported_endpoint']);
    expect(hits).toEqual(['/ok']);
  });

  it('does not retry a client error and passes it on as 400', async () => {
    const { d } = deps(2);
    hits.length = 0;
    const r = await run(d, [dep('a', '400'), dep('b', 'ok')]);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.status).toBe(400);
    expect(hits).toEqual(['/400']);
  });

  it.each(['401', '402', '403', '404'])(
    'falls back from a broken deployment (%s) and counts it against that deployment',
    async (code) => {
      const { d, records, counted } = deps();
      const r = await run(d, [dep('a', code), dep('b', 'ok')]);
      expect(r.ok && r.deployment.id).toBe('b');
      expect(r.ok && r.attempt).toBe(2);
      expect(records).toEqual([
        { id: 'a', ok: false },
        { id: 'b', ok: true },
      ]);
      expect(counted).toEqual([{ id: 'a', retryable: true }]);
    },
  );

  it('does not try a broken deployment again on later passes, nor wait for it', async () => {
    const { d } = deps(2);
    const delays: number[] = [];
    d.retryDelayMs = (attempt) => {
      delays.push(attempt);
      return 0;
    };
    hits.length = 0;
    const r = await run(d, [dep('a', '401'), dep('b', '503')]);
    expect(hits).toEqual(['/401', '/503', '/503']);
    expect(delays).toEqual([1]);
    // The transient failure is the one told: retrying later may work.
    expect(!r.ok && r.error).toMatchObject({ status: 502, code: 'upstream_error' });
    expect(!r.ok && r.error.message).not.toMatch(/HTTP 401/);
  });

  it('every deployment broken: 502 upstream_error naming the status, not the provider message', async () => {
    const { d } = deps(2);
    hits.length = 0;
    const r = await run(d, [dep('a', '401'), dep('b', '404')]);
    expect(hits).toEqual(['/401', '/404']);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error).toMatchObject({ status: 502, code: 'upstream_error' });
    expect(r.error.message).toMatch(/HTTP 404/);
    expect(r.error.message).not.toMatch(/scripted/);
    const one = await run(deps().d, [dep('a', '403')]);
    expect(!one.ok && one.error.message).toMatch(/HTTP 403/);
  });

  it("a broken deployment's failures open its circuit", async () => {
    const { d } = deps();
    const breaker = new CircuitBreaker({ failureThreshold: 2, cooldownMs: 60_000 });
    d.planner.record = (id, o, now) => breaker.record(id, o.ok, o.retryable, now);
    for (let k = 0; k < 2; k++) {
      const r = await run(d, [dep('a', '401'), dep('b', 'ok')]);
      expect(r.ok && r.deployment.id).toBe('b');
    }
    expect(breaker.state('a', 0)).toBe('open');
    expect(breaker.state('b', 0)).toBe('closed');
  });

  it.each(['413', '422'])('stops at a %s (the request is at fault) and counts it as a sign of life', async (code) => {
    const { d, counted } = deps(2);
    hits.length = 0;
    const r = await run(d, [dep('a', code), dep('b', 'ok')]);
    expect(hits).toEqual([`/${code}`]);
    expect(!r.ok && r.error).toMatchObject({ status: 400, code: 'upstream_invalid_request' });
    expect(counted).toEqual([{ id: 'a', retryable: false }]);
  });

  it("a final upstream 429 passes on the upstream's Retry-After in whole seconds", async () => {
    const r = await run(deps().d, [dep('a', '429')]);
    expect(!r.ok && r.error).toMatchObject({
      status: 429,
      code: 'upstream_rate_limited',
      headers: { 'retry-after': '1' },
    });
    const frac = await run(deps().d, [dep('a', '429-frac')]);
    expect(!frac.ok && frac.error.headers).toEqual({ 'retry-after': '3' });
    // A broken deployment after it does not hide the 429 (nor its Retry-After).
    const mixed = await run(deps().d, [dep('a', '429-frac'), dep('b', '401')]);
    expect(!mixed.ok && mixed.error).toMatchObject({ status: 429, headers: { 'retry-after': '3' } });
  });

  it('retries after a full pass, then maps the last failure', async () => {
    const { d } = deps(2);
    hits.length = 0;
    const r = await run(d, [dep('a', '503')]);
    expect(hits).toEqual(['/503', '/503', '/503']);
    expect(!r.ok && r.error.status).toBe(502);
    const t = await run(deps(0, 150).d, [dep('a', 'slow')]);
    expect(!t.ok && t.error.status).toBe(504);
  });

  it('falls back when a 2xx answer is unusable (garbage JSON, wrong shape)', async () => {
    const { d, records } = deps();
    hits.length = 0;
    let calls = 0;
    const r = await run(d, [dep('a', 'ok'), dep('b', 'ok')], undefined, (text) => {
      if (++calls === 1) return JSON.parse(`${text}garbage`);
      return text;
    });
    expect(r.ok && r.deployment.id).toBe('b');
    expect(hits).toEqual(['/ok', '/ok']);
    expect(records).toEqual([
      { id: 'a', ok: false },
      { id: 'b', ok: true },
    ]);
    const wrong = await run(deps().d, [dep('a', 'ok')], undefined, () => {
      throw new UpstreamFormatError('upstream returned no chat completion');
    });
    expect(!wrong.ok && wrong.error).toMatchObject({ status: 502, code: 'upstream_error' });
  });

  it('does not fall back from an unusable answer that is not retryable', async () => {
    const { d } = deps(2);
    hits.length = 0;
    const r = await run(d, [dep('a', 'ok'), dep('b', 'ok')], undefined, () => {
      throw new UnusableAnswer({ status: 400, message: 'context too long', retryable: false });
    });
    expect(hits).toEqual(['/ok']);
    expect(!r.ok && r.error).toMatchObject({ status: 400, code: 'upstream_invalid_request' });
  });

  it('waits between passes as the backoff says, passing on Retry-After', async () => {
    const { d } = deps(2);
    const delays: [number, number | null | undefined][] = [];
    d.retryDelayMs = (attempt, retryAfterMs) => {
      delays.push([attempt, retryAfterMs]);
      return 1;
    };
    await run(d, [dep('a', '503')]);
    expect(delays).toEqual([
      [0, null],
      [1, null],
    ]);
    delays.length = 0;
    await run(d, [dep('a', '429')]);
    expect(delays).toEqual([
      [0, 1000],
      [1, 1000],
    ]);
  });

  it('stops when the client has gone', async () => {
    const { d } = deps(2);
    const ac = new AbortEmitter();
    setTimeout(() => ac.abort(), 50);
    const r = await run(d, [dep('a', 'slow')], ac);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.aborted).toBe(true);
  });
});

describe('upstream client helpers', () => {
  it('splits urls and classifies errors', () => {
    expect(splitUrl('https://api.x.com/v1/chat?x=1')).toEqual({ origin: 'https://api.x.com', path: '/v1/chat?x=1' });
    expect(splitUrl('http://h:1')).toEqual({ origin: 'http://h:1', path: '/' });
    expect(classifyTransportError({ code: 'UND_ERR_HEADERS_TIMEOUT' })).toBe('timeout');
    expect(classifyTransportError({ code: 'ECONNREFUSED' })).toBe('connect');
    expect(classifyTransportError({ name: 'AbortError' })).toBe('aborted');
  });
});
