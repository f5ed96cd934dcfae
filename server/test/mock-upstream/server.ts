// A real HTTP server speaking OpenAI, Azure OpenAI, Anthropic and Gemini wire formats, stream and
// non-stream, with deterministic content and usage and scriptable failures — the gateway's tests
// and benchmark talk to it instead of real providers. Built for speed: rendered replies are cached
// per (route, model, behaviour), nothing is logged per request.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseBehaviorHeader, type MockBehavior } from './behavior.js';
import { missingThoughtSignature } from './formats/gemini.js';
import { FORMATS, JSON_HEADERS, renderReply, type Rendered } from './render.js';
import { routeOf, type MockFormat, type MockRoute } from './routes.js';

export interface MockUpstreamOptions {
  port?: number;
  host?: string;
  /** Behaviour for every request unless a scenario or header says otherwise. */
  defaults?: MockBehavior;
  /** When set, requests must carry this key (Bearer / api-key / x-api-key / x-goog-api-key). */
  apiKey?: string;
  /** Model ids listed by GET /v1/models. */
  models?: string[];
  /** How many recent requests to keep for inspection (default 100; 0 keeps none). */
  keepRequests?: number;
}

export interface RecordedRequest {
  method: string;
  path: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

export interface MockUpstream {
  /** http://127.0.0.1:<port> — OpenAI base URL is `${url}/v1`; Anthropic, Azure and Gemini use `url`. */
  url: string;
  port: number;
  /** Requests received per path (query excluded), e.g. count('/v1/chat/completions'); no path = all. */
  count(path?: string): number;
  counts(): Record<string, number>;
  /** TCP connections accepted so far (keep-alive reuse: requests ÷ connections). */
  connections(): number;
  /** Most recent requests, oldest first. */
  requests(): readonly RecordedRequest[];
  lastRequest(): RecordedRequest | undefined;
  /** Script the next requests: each takes the next behaviour from this FIFO queue. */
  enqueue(...behaviors: MockBehavior[]): void;
  setDefaults(b: MockBehavior): void;
  /** Forget counts, recorded requests and queued scenarios. */
  reset(): void;
  close(): Promise<void>;
}

const CACHE_LIMIT = 2000;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function authorised(req: IncomingMessage, key: string): boolean {
  const h = req.headers;
  return (
    h['authorization'] === `Bearer ${key}` ||
    h['api-key'] === key ||
    h['x-api-key'] === key ||
    h['x-goog-api-key'] === key
  );
}

export async function startMockUpstream(opts: MockUpstreamOptions = {}): Promise<MockUpstream> {
  let defaults: MockBehavior = opts.defaults ?? {};
  // The common case (no scenario, no header) skips serialising the behaviour per request.
  let defaultsKey = JSON.stringify(defaults);
  let queue: MockBehavior[] = [];
  let perPath = new Map<string, number>();
  let total = 0;
  let recorded: RecordedRequest[] = [];
  const keep = opts.keepRequests ?? 100;
  const cache = new Map<string, Rendered>();
  const models = opts.models ?? ['mock-model'];

  function cached(route: MockRoute, path: string, body: Record<string, unknown>, b: MockBehavior): Rendered {
    const so = body['stream_options'] as { include_usage?: unknown } | undefined;
    const key = `${path}|${String(body['model'])}|${String(body['stream'])}|${String(so?.include_usage)}|${String(body['dimensions'])}|${Array.isArray(body['input']) ? body['input'].length : 1}|${Array.isArray(body['requests']) ? body['requests'].length : 0}|${b === defaults ? defaultsKey : JSON.stringify(b)}`;
    let r = cache.get(key);
    if (!r) {
      if (cache.size >= CACHE_LIMIT) cache.clear();
      r = renderReply(route, body, b, models);
      cache.set(key, r);
    }
    return r;
  }

  async function send(res: ServerResponse, r: Rendered, b: MockBehavior): Promise<void> {
    if (b.latencyMs) await sleep(b.latencyMs);
    if (r.body) {
      res.writeHead(r.status, { ...r.headers, 'content-length': String(r.body.length) });
      res.end(r.body);
      return;
    }
    const events = r.events ?? [];
    const lead = r.lead ?? 0;
    const limit = b.cutAfter ?? b.stallAfter;
    const upto = limit === undefined ? events.length : Math.min(events.length, lead + limit);
    res.writeHead(r.status, r.headers);
    // cutAfter: destroy the socket once the last kept bytes are handed to the kernel, so the
    // client sees them and then a connection cut without the chunked terminator.
    const cut = b.cutAfter !== undefined ? () => res.socket?.destroy() : undefined;
    if (!b.ttftMs && !b.chunkDelayMs) {
      // Fast path: the whole (possibly shortened) stream in one write.
      if (upto === events.length && limit === undefined && !b.endDelayMs) {
        res.end(r.whole);
        return;
      }
      if (upto > 0) res.write(Buffer.concat(events.slice(0, upto)), cut);
      else {
        res.flushHeaders();
        if (cut) setTimeout(cut, 5);
      }
    } else {
      res.flushHeaders();
      if (b.ttftMs) await sleep(b.ttftMs);
      for (let i = 0; i < upto; i++) {
        if (i > 0 && b.chunkDelayMs) await sleep(b.chunkDelayMs);
        if (res.destroyed) return;
        res.write(events[i], i === upto - 1 ? cut : undefined);
      }
      if (upto === 0 && cut) setTimeout(cut, 5);
    }
    if (b.cutAfter !== undefined || b.stallAfter !== undefined) return; // stalled streams end at close()
    if (b.endDelayMs) await sleep(b.endDelayMs);
    res.end();
  }

  function fail(res: ServerResponse, status: number, message: string, format: MockFormat = 'openai'): void {
    const body = JSON.stringify(FORMATS[format].error(status, message));
    res.writeHead(status, { ...JSON_HEADERS, 'content-length': String(Buffer.byteLength(body)) });
    res.end(body);
  }

  async function handle(req: IncomingMessage, res: ServerResponse, raw: string): Promise<void> {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    const query = q === -1 ? '' : url.slice(q + 1);
    total++;
    perPath.set(path, (perPath.get(path) ?? 0) + 1);
    if (keep > 0) {
      recorded.push({ method: req.method ?? 'GET', path, url, headers: req.headers, body: raw });
      if (recorded.length > keep) recorded.shift();
    }
    const route = routeOf(req.method ?? 'GET', path);
    if (!route) return fail(res, 404, `mock upstream: no route for ${req.method} ${path}`);
    if (opts.apiKey && !authorised(req, opts.apiKey))
      return fail(res, 401, 'mock upstream: invalid api key', route.format);
    if (route.format === 'azure' && !/(^|&)api-version=[^&]+/.test(query))
      return fail(res, 404, 'Resource not found (api-version missing)');
    if (route.format === 'anthropic' && !req.headers['anthropic-version'])
      return fail(res, 400, 'anthropic-version: header is required', 'anthropic');
    if (route.format === 'gemini' && route.stream && !/(^|&)alt=sse(&|$)/.test(query))
      return fail(res, 400, 'mock upstream: only alt=sse streams are supported', 'gemini');
    let body: Record<string, unknown> = {};
    if (route.op !== 'models') {
      try {
        const parsed = JSON.parse(raw) as unknown;
        if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
        body = parsed as Record<string, unknown>;
      } catch {
        return fail(res, 400, 'mock upstream: body is not a JSON object', route.format);
      }
    }
    if (route.format === 'gemini' && route.pathModel?.startsWith('gemini-3')) {
      const missing = missingThoughtSignature(body);
      if (missing) return fail(res, 400, missing, 'gemini');
    }
    const scripted = queue.shift();
    const header = req.headers['x-mock-behavior'];
    const b: MockBehavior =
      scripted || header
        ? { ...defaults, ...scripted, ...parseBehaviorHeader(Array.isArray(header) ? header[0] : header) }
        : defaults;
    if (b.hang) return; // never answer; close() destroys the socket
    await send(res, cached(route, path, body, b), b);
  }

  const server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      const raw = parts.length === 1 ? parts[0]!.toString('utf8') : Buffer.concat(parts).toString('utf8');
      handle(req, res, raw).catch(() => {
        if (!res.headersSent) fail(res, 500, 'mock upstream failure');
        else res.destroy();
      });
    });
  });
  let connections = 0;
  server.on('connection', () => connections++);
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  server.requestTimeout = 0; // `hang` must be able to outlive any client timeout

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = opts.host && opts.host !== '0.0.0.0' ? opts.host : '127.0.0.1';

  return {
    url: `http://${host}:${port}`,
    port,
    count: (p?: string) => (p === undefined ? total : (perPath.get(p) ?? 0)),
    counts: () => Object.fromEntries(perPath),
    connections: () => connections,
    requests: () => recorded,
    lastRequest: () => recorded[recorded.length - 1],
    enqueue: (...bs: MockBehavior[]) => void queue.push(...bs),
    setDefaults: (b: MockBehavior) => {
      defaults = b;
      defaultsKey = JSON.stringify(b);
    },
    reset: () => {
      perPath = new Map();
      total = 0;
      recorded = [];
      queue = [];
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
