// The hot path's HTTP client: one keep-alive undici Pool per upstream origin, created on first use
// and kept for the life of the process (connection reuse is most of the proxy's speed).
import { Pool, type Dispatcher } from 'undici';
import type { UpstreamRequest } from '../providers/ports.js';
import type { CallAbortSignal } from './call-signal.js';

export interface SendOptions {
  signal: CallAbortSignal;
  /** Time allowed until the response headers arrive. */
  firstByteTimeoutMs: number;
  /** Longest silence allowed between body chunks. */
  bodyTimeoutMs: number;
}

export type UpstreamResponse = Dispatcher.ResponseData;

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
    const { origin, path } = splitUrl(req.url);
    return this.pool(origin).request({
      path,
      method: req.method,
      headers: req.headers,
      body: req.body,
      signal: opts.signal,
      headersTimeout: opts.firstByteTimeoutMs,
      bodyTimeout: opts.bodyTimeoutMs,
    });
  }

  async close(): Promise<void> {
    const all = [...this.pools.values()];
    this.pools.clear();
    await Promise.allSettled(all.map((p) => p.close()));
  }
}
