// The attempt loop: walk the route plan, one upstream request per attempt, until a deployment
// answers 2xx. Connect errors, timeouts, 429 and 5xx fall through to the next deployment; after a
// full pass the plan is tried again (up to UPSTREAM_MAX_RETRIES more attempts) after a jittered
// back-off. All of this happens before the first byte reaches the client, so a retry is invisible
// to it. Every attempt is logged and fed to the planner (latency average, circuit breaker).
import { setTimeout as sleep } from 'node:timers/promises';
import type { UpstreamRequest } from '../providers/ports.js';
import { retryDelayMs } from '../routing/backoff.js';
import type { Deployment, GatewayDeps, ProviderAdapter } from './deps.js';
import { gatewayError, type GatewayError } from './gateway-error.js';
import { classifyTransportError } from './upstream-client.js';

/** A 2xx upstream answer, network or simulated (echo), read the same way by the handlers. */
export interface UpstreamReply {
  status: number;
  text(): Promise<string>;
  /** The body as it arrives (bytes from the network, one string from a simulation). */
  chunks(): AsyncIterable<Uint8Array | string>;
  /** Discard the body (error paths). */
  dump(): void;
}

export interface AttemptSuccess {
  ok: true;
  deployment: Deployment;
  adapter: ProviderAdapter;
  reply: UpstreamReply;
  /** Attempt number (1-based) that succeeded. */
  attempt: number;
  /** performance.now() when the successful attempt was sent / answered. */
  sentAt: number;
  answeredAt: number;
}

export type AttemptResult = AttemptSuccess | { ok: false; error: GatewayError; aborted: boolean };

export interface AttemptInput {
  requestId: string;
  plan: readonly Deployment[];
  /** Build the provider request for a deployment (null when the adapter cannot serve this endpoint). */
  build: (adapter: ProviderAdapter, deployment: Deployment) => UpstreamRequest | null;
  /** Aborted on client disconnect or the per-request timeout. */
  signal: AbortSignal;
  /** Whether the abort was the per-request timeout (vs. the client leaving). */
  timedOut: () => boolean;
}

function simulatedReply(body: string, status: number): UpstreamReply {
  return {
    status,
    text: async () => body,
    chunks: async function* () {
      yield body;
    },
    dump: () => {},
  };
}

function retryAfterMs(headers: Record<string, string | string[] | undefined>): number | null {
  const v = headers['retry-after'];
  const s = Array.isArray(v) ? v[0] : v;
  if (!s) return null;
  const n = Number(s);
  return Number.isFinite(n) && n >= 0 ? n * 1000 : null;
}

interface Failure {
  kind: 'status' | 'timeout' | 'connect' | 'other';
  status: number;
  message: string;
  retryable: boolean;
  retryAfterMs: number | null;
}

/** The client-facing error after the last failure (OpenAI status conventions: 502/503/504). */
function finalError(f: Failure): GatewayError {
  if (f.kind === 'timeout')
    return gatewayError(504, 'upstream_timeout', 'The upstream provider did not answer in time.');
  if (f.kind === 'status' && !f.retryable && (f.status === 400 || f.status === 413 || f.status === 422)) {
    return gatewayError(400, 'upstream_invalid_request', f.message || 'The provider rejected the request.');
  }
  if (f.kind === 'status' && f.status === 429) {
    return gatewayError(429, 'upstream_rate_limited', 'The upstream provider is rate limiting; retry later.');
  }
  if (f.kind === 'connect')
    return gatewayError(502, 'upstream_unreachable', 'The upstream provider could not be reached.');
  return gatewayError(502, 'upstream_error', 'The upstream provider failed to answer.');
}

export async function runAttempts(deps: GatewayDeps, input: AttemptInput): Promise<AttemptResult> {
  const { plan, signal } = input;
  const total = plan.length + deps.settings.maxRetries;
  let last: Failure | null = null;
  for (let i = 0; i < total; i++) {
    const deployment = plan[i % plan.length]!;
    if (i >= plan.length && last) {
      const delay = retryDelayMs(i - plan.length, deps.random, undefined, last.retryAfterMs);
      try {
        await sleep(delay, undefined, { signal });
      } catch {
        break;
      }
    }
    if (signal.aborted) break;
    const adapter = deps.adapterFor(deployment.provider.type);
    let upstreamReq: UpstreamRequest | null;
    try {
      upstreamReq = adapter ? input.build(adapter, deployment) : null;
    } catch (e) {
      // The adapter could not express this request for its provider: the client's to fix.
      deps.log.info(
        { requestId: input.requestId, deployment: deployment.id, err: e },
        'request not translatable for provider',
      );
      return {
        ok: false,
        error: gatewayError(
          400,
          'unsupported_for_provider',
          `This request cannot be sent to the model's provider: ${(e as Error).message ?? 'unsupported'}`,
        ),
        aborted: false,
      };
    }
    if (!adapter || !upstreamReq) {
      last = {
        kind: 'other',
        status: 0,
        message: 'deployment cannot serve this endpoint',
        retryable: true,
        retryAfterMs: null,
      };
      continue;
    }
    const sentAt = performance.now();
    const attempt = i + 1;
    const logAttempt = (status: number | string) =>
      deps.log.info(
        {
          requestId: input.requestId,
          deployment: deployment.id,
          provider: deployment.provider.id,
          attempt,
          status,
          ms: Math.round(performance.now() - sentAt),
        },
        'upstream attempt',
      );

    if (adapter.simulate) {
      const sim = adapter.simulate(upstreamReq);
      logAttempt(sim.status);
      if (sim.status < 300) {
        return {
          ok: true,
          deployment,
          adapter,
          reply: simulatedReply(sim.body, sim.status),
          attempt,
          sentAt,
          answeredAt: performance.now(),
        };
      }
      const pe = adapter.parseError(sim.status, sim.body);
      last = { kind: 'status', status: sim.status, message: pe.message, retryable: pe.retryable, retryAfterMs: null };
      if (!pe.retryable) break;
      continue;
    }

    const timeoutMs = deployment.timeoutMs ?? deps.settings.upstreamTimeoutMs;
    try {
      const res = await deps.upstream.send(upstreamReq, {
        signal,
        firstByteTimeoutMs: Math.min(deps.settings.firstByteTimeoutMs, timeoutMs),
        bodyTimeoutMs: timeoutMs,
      });
      const answeredAt = performance.now();
      const latencyMs = answeredAt - sentAt;
      if (res.statusCode < 300) {
        logAttempt(res.statusCode);
        deps.planner.record(deployment.id, { ok: true, latencyMs, retryable: false }, deps.clock.now());
        deps.metrics.upstreamLatency(deployment.provider.type, latencyMs);
        const body = res.body;
        return {
          ok: true,
          deployment,
          adapter,
          reply: {
            status: res.statusCode,
            text: () => body.text(),
            chunks: () => body,
            dump: () => void body.dump().catch(() => {}),
          },
          attempt,
          sentAt,
          answeredAt,
        };
      }
      const text = await res.body.text().catch(() => '');
      const pe = adapter.parseError(res.statusCode, text);
      logAttempt(res.statusCode);
      deps.planner.record(deployment.id, { ok: false, latencyMs, retryable: pe.retryable }, deps.clock.now());
      last = {
        kind: 'status',
        status: res.statusCode,
        message: pe.message,
        retryable: pe.retryable,
        retryAfterMs: retryAfterMs(res.headers),
      };
      if (!pe.retryable) break;
    } catch (e) {
      const kind = classifyTransportError(e);
      if (kind === 'aborted' || signal.aborted) {
        logAttempt(input.timedOut() ? 'timeout' : 'client-aborted');
        if (input.timedOut()) {
          deps.planner.record(
            deployment.id,
            { ok: false, latencyMs: performance.now() - sentAt, retryable: true },
            deps.clock.now(),
          );
          return {
            ok: false,
            error: finalError({ kind: 'timeout', status: 0, message: '', retryable: true, retryAfterMs: null }),
            aborted: false,
          };
        }
        return {
          ok: false,
          error: gatewayError(499, 'client_closed_request', 'client closed the request'),
          aborted: true,
        };
      }
      logAttempt(kind);
      deps.planner.record(
        deployment.id,
        { ok: false, latencyMs: performance.now() - sentAt, retryable: true },
        deps.clock.now(),
      );
      last = {
        kind: kind === 'timeout' ? 'timeout' : kind === 'connect' ? 'connect' : 'other',
        status: 0,
        message: '',
        retryable: true,
        retryAfterMs: null,
      };
    }
  }
  if (signal.aborted && !input.timedOut()) {
    return { ok: false, error: gatewayError(499, 'client_closed_request', 'client closed the request'), aborted: true };
  }
  if (signal.aborted)
    return {
      ok: false,
      error: gatewayError(504, 'upstream_timeout', 'The upstream provider did not answer in time.'),
      aborted: false,
    };
  return {
    ok: false,
    error: last ? finalError(last) : gatewayError(502, 'upstream_error', 'no upstream attempt could be made'),
    aborted: false,
  };
}
