// The hot path's HTTP client: one keep-alive undici Pool per upstream origin, created on first use
// and kept for the life of the process (connection reuse is most of the proxy's speed).
//
// Requests go through undici's low-level `dispatch` with a handler of our own (UpstreamExchange)
// rather than `request()`: the latter wraps every response body in a Node Readable stream, whose
// machinery (nextTick scheduling, async iterator, destroy) cost more main-thread CPU per call than
// everything else undici does. The exchange buffers the body for `text()` or hands chunks to one
// pull-based reader, with backpressure (the socket is paused while 64 KiB wait unread). Response
// headers are parsed only when asked for (error paths: Retry-After).
import { Pool, errors } from 'undici';
import type { UpstreamRequest } from '../providers/ports.js';
import type { CallAbortSignal } from './call-signal.js';
import type { UpstreamReply } from './upstream-reply.js';

export interface SendOptions {
  signal: CallAbortSignal;
  /** Time allowed until the response headers arrive. */
  firstByteTimeoutMs: number;
  /** Longest silence allowed between body chunks. */
  bodyTimeoutMs: number;
}

export interface UpstreamResponse {
  statusCode: number;
  /** Lower-cased response headers (parsed on first access). */
  readonly headers: Record<string, string | string[] | undefined>;
  body: UpstreamReply;
}

/** Why an attempt failed before a response: the attempt loop decides whether to retry. */
export type TransportFailure = 'timeout' | 'connect' | 'aborted' | 'other';

export function classifyTransportError(e: unknown): TransportFailure {
  const code = (e as { code?: string })?.code ?? '';
  const name = (e as { name?: string })?.name ?? '';
  if (code === 'UND_ERR_ABORTED' || name === 'AbortError') return 'aborted';
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT')
    return 'timeout';
  if (name === 'TimeoutError') return 'timeout';
  if (
    code.startsWith('UND_ERR_SOCKET') ||
    code === 'ECONNREFUSED' ||
    code === 'ECONNRESET' ||
    code === 'ENOTFOUND' ||
    code === 'EAI_AGAIN' ||
    code === 'EPIPE' ||
    code === 'UND_ERR_CLOSED'
  ) {
    return 'connect';
  }
  return 'other';
}

/** Split an absolute URL into origin and path without allocating a URL object per request. */
export function splitUrl(url: string): { origin: string; path: string } {
  const schemeEnd = url.indexOf('//');
  const slash = schemeEnd < 0 ? -1 : url.indexOf('/', schemeEnd + 2);
  if (slash < 0) return { origin: url, path: '/' };
  return { origin: url.slice(0, slash), path: url.slice(slash) };
}

/** Unread body bytes above which the upstream socket is paused (what undici's Readable allowed). */
const HIGH_WATER = 64 * 1024;
/** dump(): bytes still read (to keep the connection) before the request is aborted instead. */
const DUMP_LIMIT = 128 * 1024;
/** release(): how long the body may take to end after the final marker before it is given up. */
const RELEASE_GRACE_MS = 1000;

const enum Mode {
  Unread,
  Text,
  Iterate,
  Dump,
}

type Waiter = {
  resolve: (v: never) => void;
  reject: (e: Error) => void;
};

function parseRawHeaders(raw: readonly (Buffer | string)[] | null): Record<string, string | string[] | undefined> {
  const out: Record<string, string | string[] | undefined> = Object.create(null) as Record<string, string>;
  if (!raw) return out;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const k = raw[i]!.toString('latin1').toLowerCase();
    const v = raw[i + 1]!.toString('latin1');
    const prev = out[k];
    if (prev === undefined) out[k] = v;
    else if (Array.isArray(prev)) prev.push(v);
    else out[k] = [prev, v];
  }
  return out;
}

const DONE: IteratorResult<Uint8Array> = { done: true, value: undefined };

/** One upstream request/response: undici's (legacy) dispatch handler, the response, and its body. */
class UpstreamExchange implements UpstreamResponse, UpstreamReply, AsyncIterator<Uint8Array> {
  statusCode = 0;
  private raw: (Buffer | string)[] | null = null;
  private parsed: Record<string, string | string[] | undefined> | null = null;
  private abortUndici: ((err: Error) => void) | null = null;
  private abortReason: Error | null = null;
  private resumeUndici: (() => void) | null = null;
  private paused = false;
  private queue: Buffer[] = [];
  private head = 0;
  private buffered = 0;
  private ended = false;
  private failure: Error | null = null;
  private mode = Mode.Unread;
  private waiter: Waiter | null = null;
  private started: Waiter | null;
  private releaseTimer: NodeJS.Timeout | null = null;
  readonly onAbort = (): void => this.abort(new errors.RequestAbortedError());

  constructor(
    private readonly signal: CallAbortSignal,
    resolve: (r: UpstreamResponse) => void,
    reject: (e: Error) => void,
  ) {
    this.started = { resolve: resolve as (v: never) => void, reject };
    signal.on('abort', this.onAbort);
  }

  get headers(): Record<string, string | string[] | undefined> {
    return (this.parsed ??= parseRawHeaders(this.raw));
  }

  get body(): UpstreamReply {
    return this;
  }

  private abort(err: Error): void {
    if (this.ended || this.failure) return;
    this.abortReason ??= err;
    // Before onConnect undici has no abort function yet: onConnect applies the reason.
    this.abortUndici?.(err);
  }

  private finish(): void {
    this.signal.removeListener('abort', this.onAbort);
    if (this.releaseTimer !== null) {
      clearTimeout(this.releaseTimer);
      this.releaseTimer = null;
    }
  }

  // undici's dispatch handler ------------------------------------------------------------------

  onConnect(abort: (err?: Error) => void): void {
    if (this.abortReason) abort(this.abortReason);
    else this.abortUndici = abort;
  }

  onHeaders(statusCode: number, rawHeaders: (Buffer | string)[], resume: () => void): boolean {
    if (statusCode < 200) return true; // 1xx informational
    this.statusCode = statusCode;
    this.raw = rawHeaders;
    this.resumeUndici = resume;
    const s = this.started!;
    this.started = null;
    s.resolve(this as never);
    return true;
  }

  onData(chunk: Buffer): boolean {
    const n = chunk.length;
    if (this.mode === Mode.Dump) {
      this.buffered += n;
      if (this.buffered > DUMP_LIMIT) this.abort(new errors.RequestAbortedError());
      return true;
    }
    const w = this.waiter;
    if (w !== null && this.mode === Mode.Iterate) {
      this.waiter = null;
      w.resolve({ done: false, value: chunk } as never);
      return true;
    }
    this.queue.push(chunk);
    this.buffered += n;
    if (this.mode !== Mode.Text && this.buffered >= HIGH_WATER) {
      this.paused = true;
      return false;
    }
    return true;
  }

  onComplete(): void {
    this.ended = true;
    this.finish();
    const w = this.waiter;
    if (w === null) return;
    this.waiter = null;
    if (this.mode === Mode.Text) w.resolve(this.decode() as never);
    else w.resolve(DONE as never);
  }

  onError(err: Error): void {
    this.finish();
    if (this.started) {
      const s = this.started;
      this.started = null;
      s.reject(err);
      return;
    }
    if (this.ended) return;
    this.failure = err;
    const w = this.waiter;
    if (w !== null) {
      this.waiter = null;
      w.reject(err);
    }
  }

  // The body, as the attempt loop and the stream relay read it -----------------------------------

  private decode(): string {
    const q = this.queue;
    const text =
      q.length === 1 ? q[0]!.toString('utf8') : q.length === 0 ? '' : Buffer.concat(q, this.buffered).toString('utf8');
    this.queue = [];
    this.buffered = 0;
    return text;
  }

  private wait<T>(): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.waiter = { resolve: resolve as (v: never) => void, reject };
    });
  }

  private resumeIfPaused(): void {
    if (this.paused && this.buffered < HIGH_WATER) {
      this.paused = false;
      this.resumeUndici?.();
    }
  }

  text(): Promise<string> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.ended) return Promise.resolve(this.decode());
    this.mode = Mode.Text;
    const p = this.wait<string>();
    // Text takes the whole body: whatever was held back at the high-water mark, read on.
    if (this.paused) {
      this.paused = false;
      this.resumeUndici?.();
    }
    return p;
  }

  chunks(): AsyncIterator<Uint8Array> {
    this.mode = Mode.Iterate;
    return this;
  }

  next(): Promise<IteratorResult<Uint8Array>> {
    const q = this.queue;
    if (this.head < q.length) {
      const value = q[this.head]!;
      q[this.head++] = undefined as never;
      if (this.head === q.length) {
        this.queue = [];
        this.head = 0;
      }
      this.buffered -= value.length;
      this.resumeIfPaused();
      return Promise.resolve({ done: false, value });
    }
    if (this.failure) return Promise.reject(this.failure);
    if (this.ended) return Promise.resolve(DONE);
    return this.wait<IteratorResult<Uint8Array>>();
  }

  /** The reader stops early: abort the request, which frees (closes) its connection. */
  return(): Promise<IteratorResult<Uint8Array>> {
    this.queue = [];
    this.head = 0;
    this.buffered = 0;
    this.abort(new errors.RequestAbortedError());
    return Promise.resolve(DONE);
  }

  /** Read the rest to keep the connection, unless it does not end within RELEASE_GRACE_MS. The
   *  abort signal no longer applies: the call is over, this is only about the socket. */
  release(): void {
    if (this.ended || this.failure) return;
    this.signal.removeListener('abort', this.onAbort);
    this.releaseTimer = setTimeout(() => {
      this.releaseTimer = null;
      this.abort(new errors.RequestAbortedError());
    }, RELEASE_GRACE_MS);
    this.releaseTimer.unref();
    this.dump();
  }

  dump(): void {
    if (this.ended || this.failure) return;
    this.mode = Mode.Dump;
    this.queue = [];
    this.head = 0;
    if (this.buffered > DUMP_LIMIT) return this.abort(new errors.RequestAbortedError());
    if (this.paused) {
      this.paused = false;
      this.resumeUndici?.();
    }
  }
}

export class UpstreamClient {
  private readonly pools = new Map<string, Pool>();

  private pool(origin: string): Pool {
    let p = this.pools.get(origin);
    if (!p) {
      p = new Pool(origin, { keepAliveTimeout: 30_000, keepAliveMaxTimeout: 600_000, pipelining: 1 });
      this.pools.set(origin, p);
    }
    return p;
  }

  send(req: UpstreamRequest, opts: SendOptions): Promise<UpstreamResponse> {
    const { signal } = opts;
    if (signal.aborted) return Promise.reject(new errors.RequestAbortedError());
    const { origin, path } = splitUrl(req.url);
    const pool = this.pool(origin);
    return new Promise<UpstreamResponse>((resolve, reject) => {
      const exchange = new UpstreamExchange(signal, resolve, reject);
      pool.dispatch(
        {
          path,
          method: req.method,
          headers: req.headers,
          body: req.body ?? null,
          headersTimeout: opts.firstByteTimeoutMs,
          bodyTimeout: opts.bodyTimeoutMs,
        },
        exchange,
      );
    });
  }

  async close(): Promise<void> {
    const all = [...this.pools.values()];
    this.pools.clear();
    await Promise.allSettled(all.map((p) => p.close()));
  }
}
