// The attempt loop: walk the route plan, one upstream request per attempt, until a deployment
// gives a usable answer. Connect errors, timeouts, 429, 5xx and unusable 2xx bodies (garbage,
// an error event before any content) fall through to the next deployment; after a full pass the
// plan is tried again (up to UPSTREAM_MAX_RETRIES more attempts) after a jittered back-off. A
// deployment that answers 401/402/403/404 is broken (revoked key, unpaid account, retired model):
// the loop moves on without it and never tries it again in this call. 400/413/422 are the
// request's fault and stop the loop at once. All of this happens before the first byte reaches
// the client, so a retry is invisible to it. Every attempt is logged (at info) and fed to the
// planner (latency average, circuit breaker).
import type { ProviderError, UpstreamRequest } from '../providers/ports.js';
import { UpstreamFormatError } from '../providers/registry.js';
import { delay, type CallAbortSignal } from './call-signal.js';
import type { Deployment, GatewayDeps, ProviderAdapter } from './deps.js';
import { gatewayError, type GatewayError } from './gateway-error.js';
import { simulatedReply, type UpstreamReply } from './upstream-reply.js';
import { classifyTransportError } from './upstream-client.js';

export type { UpstreamReply } from './upstream-reply.js';

export interface AttemptSuccess<T> {
  ok: true;
  deployment: Deployment;
  adapter: ProviderAdapter;
  /** What `accept` made of the answer. */
  value: T;
  /** Attempt number (1-based) that succeeded. */
  attempt: number;
  /** performance.now() when the successful attempt was sent. */
  sentAt: number;
}

export type AttemptResult<T> = AttemptSuccess<T> | { ok: false; error: GatewayError; aborted: boolean };

export interface AttemptInput<T> {
  requestId: string;
  plan: readonly Deployment[];
  /** Build the provider request for a deployment (null when the adapter cannot serve this endpoint). */
  build(adapter: ProviderAdapter, deployment: Deployment): UpstreamRequest | null;
  /** Read a 2xx answer into what the handler needs (a parsed body, a primed stream). Throwing
   *  UnusableAnswer / UpstreamFormatError / SyntaxError fails this attempt like a 502 would. */
  accept(reply: UpstreamReply, adapter: ProviderAdapter): Promise<T>;
  /** Aborted on client disconnect or the per-request timeout. */
  signal: CallAbortSignal;
  /** Whether the abort was the per-request timeout (vs. the client leaving). */
  timedOut(): boolean;
}

/** A 2xx answer that cannot be used: the attempt fails with this provider error. */
export class UnusableAnswer extends Error {
  constructor(readonly failure: ProviderError) {
    super(failure.message);
    this.name = 'UnusableAnswer';
  }
}

interface Failure {
  kind: 'status' | 'timeout' | 'connect' | 'other';
  status: number;
  message: string;
  retryable: boolean;
  retryAfterMs: number | null;
}

/** Statuses that say this deployment cannot serve anyone until an operator acts (wrong or revoked
 *  key, unpaid provider account, no access, retired model), with what the client is told. */
const BROKEN_DEPLOYMENT: ReadonlyMap<number, string> = new Map([
  [401, 'authentication failed'],
  [402, 'payment required'],
  [403, 'access denied'],
  [404, 'model or endpoint not found'],
]);

/** What the loop does after a failed attempt: go on, this deployment included on a later pass
 *  (`retry`); go on without this deployment (`skip`); answer at once (`stop`). */
type NextStep = 'retry' | 'skip' | 'stop';

function nextStep(f: Failure): NextStep {
  if (f.retryable) return 'retry';
  return f.kind === 'status' && BROKEN_DEPLOYMENT.has(f.status) ? 'skip' : 'stop';
}

/** The failure the loop keeps (for the back-off and the final answer): a broken deployment's only
 *  when no other failed, since another deployment's 429 or 5xx says that retrying later may work. */
function keptFailure(kept: Failure | null, f: Failure, next: NextStep): Failure {
  return next === 'skip' && kept !== null && nextStep(kept) !== 'skip' ? kept : f;
}

const CLIENT_GONE = gatewayError(499, 'client_closed_request', 'client closed the request');
const TIMEOUT = gatewayError(504, 'upstream_timeout', 'The upstream provider did not answer in time.');

function retryAfterMs(headers: Record<string, string | string[] | undefined>): number | null {
  const v = headers['retry-after'];
  const s = Array.isArray(v) ? v[0] : v;
  if (!s) return null;
  const n = Number(s);
  return Number.isFinite(n) && n >= 0 ? n * 1000 : null;
}

const statusFailure = (pe: ProviderError, retryAfter: number | null = null): Failure => ({
  kind: 'status',
  status: pe.status,
  message: pe.message,
  retryable: pe.retryable,
  retryAfterMs: retryAfter,
});

/** What a thrown error says about the attempt: an unusable answer, or a transport failure. */
function failureOf(e: unknown): Failure | 'aborted' {
  if (e instanceof UnusableAnswer) return statusFailure(e.failure);
  if (e instanceof UpstreamFormatError) return statusFailure(e.providerError);
  if (e instanceof SyntaxError) return statusFailure({ status: 502, message: 'unreadable answer', retryable: true });
  const kind = classifyTransportError(e);
  if (kind === 'aborted') return 'aborted';
  return { kind, status: 0, message: '', retryable: true, retryAfterMs: null };
}

/** The client-facing error after the last failure (OpenAI status conventions: 502/503/504). A
 *  broken deployment's provider message stays out: it may quote part of the provider key. */
function finalError(f: Failure): GatewayError {
  if (f.kind === 'timeout') return TIMEOUT;
  if (f.kind === 'status' && !f.retryable && (f.status === 400 || f.status === 413 || f.status === 422)) {
    return gatewayError(400, 'upstream_invalid_request', f.message || 'The provider rejected the request.');
  }
  if (f.kind === 'status' && f.status === 429) {
    // Like the gateway's own 429s: whole seconds, at least one.
    const headers =
      f.retryAfterMs === null ? undefined : { 'retry-after': String(Math.max(1, Math.ceil(f.retryAfterMs / 1000))) };
    return gatewayError(
      429,
      'upstream_rate_limited',
      'The upstream provider is rate limiting; retry later.',
      null,
      headers,
    );
  }
  const broken = f.kind === 'status' && !f.retryable ? BROKEN_DEPLOYMENT.get(f.status) : undefined;
  if (broken) {
    return gatewayError(
      502,
      'upstream_error',
      `The upstream provider answered HTTP ${f.status} (${broken}); the model's deployment needs an operator's attention.`,
    );
  }
  if (f.kind === 'connect')
    return gatewayError(502, 'upstream_unreachable', 'The upstream provider could not be reached.');
  return gatewayError(502, 'upstream_error', 'The upstream provider failed to answer.');
}

/** The error's own text stays in the log: it is a JavaScript message, not one for the client. */
function untranslatable(): AttemptResult<never> {
  return {
    ok: false,
    error: gatewayError(
      400,
      'unsupported_for_provider',
      "This request cannot be sent to the model's provider: a field has a shape its API cannot express.",
    ),
    aborted: false,
  };
}

/** The breaker counts every failure the loop moves on from (the planner's `retryable`), a broken
 *  deployment's included so it cools down; a failure the request caused proves the deployment up. */
function recordFailure(deps: GatewayDeps, deployment: Deployment, sentAt: number, next: NextStep): void {
  deps.planner.record(
    deployment.id,
    { ok: false, latencyMs: performance.now() - sentAt, retryable: next !== 'stop' },
    deps.clock.now(),
  );
}

export async function runAttempts<T>(deps: GatewayDeps, input: AttemptInput<T>): Promise<AttemptResult<T>> {
  const { plan, signal } = input;
  const total = plan.length + deps.settings.maxRetries;
  const logAttempts = deps.log.isLevelEnabled('info');
  let last: Failure | null = null;
  // Deployments this call does not try again: their provider lacks the endpoint, or they are broken.
  const skipped = new Set<string>();
  for (let i = 0; i < total; i++) {
    const deployment = plan[i % plan.length]!;
    if (skipped.has(deployment.id)) continue;
    // A fallback's circuit may have opened (or its half-open trial gone to another call) since the
    // plan was made; the plan's first deployment was claimed with the plan.
    if (i > 0 && i < plan.length && !deps.planner.claim(deployment.id, deps.clock.now())) {
      skipped.add(deployment.id);
      continue;
    }
    if (i >= plan.length && last) {
      await delay(deps.retryDelayMs(i - plan.length, last.retryAfterMs), signal);
      if (signal.aborted) break;
    }
    if (signal.aborted) break;
    const adapter = deps.adapterFor(deployment.provider.type);
    let upstreamReq: UpstreamRequest | null;
    try {
      upstreamReq = adapter ? input.build(adapter, deployment) : null;
    } catch (e) {
      // The adapter could not express this request for its provider: the client's to fix.
      deps.log.info({ requestId: input.requestId, deployment: deployment.id, err: e }, 'request not translatable');
      return untranslatable();
    }
    if (!adapter || !upstreamReq) {
      // This deployment's provider has no such endpoint (legacy completions on Anthropic, say):
      // nothing to retry; the next deployment may have it.
      skipped.add(deployment.id);
      continue;
    }
    const sentAt = performance.now();
    let outcome: number | string = 0;
    try {
      let reply: UpstreamReply;
      if (adapter.simulate) {
        const sim = adapter.simulate(upstreamReq);
        reply = simulatedReply(sim.body);
        outcome = sim.status;
        if (sim.status >= 300) {
          const f = statusFailure(adapter.parseError(sim.status, sim.body));
          const next = nextStep(f);
          last = keptFailure(last, f, next);
          if (next === 'stop') break;
          if (next === 'skip') skipped.add(deployment.id);
          continue;
        }
      } else {
        const timeoutMs = deployment.timeoutMs ?? deps.settings.upstreamTimeoutMs;
        const res = await deps.upstream.send(upstreamReq, {
          signal,
          firstByteTimeoutMs: Math.min(deps.settings.firstByteTimeoutMs, timeoutMs),
          bodyTimeoutMs: timeoutMs,
        });
        outcome = res.statusCode;
        if (res.statusCode >= 300) {
          const text = await res.body.text().catch(() => '');
          const f = statusFailure(adapter.parseError(res.statusCode, text), retryAfterMs(res.headers));
          const next = nextStep(f);
          last = keptFailure(last, f, next);
          recordFailure(deps, deployment, sentAt, next);
          if (next === 'stop') break;
          if (next === 'skip') skipped.add(deployment.id);
          continue;
        }
        deps.metrics.upstreamLatency(deployment.provider.type, performance.now() - sentAt);
        reply = res.body;
      }
      try {
        const value = await input.accept(reply, adapter);
        deps.planner.record(
          deployment.id,
          { ok: true, latencyMs: performance.now() - sentAt, retryable: false },
          deps.clock.now(),
        );
        return { ok: true, deployment, adapter, value, attempt: i + 1, sentAt };
      } catch (e) {
        reply.dump();
        throw e;
      }
    } catch (e) {
      const f = failureOf(e);
      if (f === 'aborted' || signal.aborted) {
        outcome = input.timedOut() ? 'timeout' : 'client-aborted';
        if (!input.timedOut()) return { ok: false, error: CLIENT_GONE, aborted: true };
        deps.planner.record(
          deployment.id,
          { ok: false, latencyMs: performance.now() - sentAt, retryable: true },
          deps.clock.now(),
        );
        return { ok: false, error: TIMEOUT, aborted: false };
      }
      outcome = f.kind === 'status' ? `unusable ${f.status}` : f.kind;
      const next = nextStep(f);
      last = keptFailure(last, f, next);
      recordFailure(deps, deployment, sentAt, next);
      if (next === 'stop') break;
      if (next === 'skip') skipped.add(deployment.id);
    } finally {
      if (logAttempts) {
        deps.log.info(
          {
            requestId: input.requestId,
            deployment: deployment.id,
            provider: deployment.provider.id,
            attempt: i + 1,
            status: outcome,
            ms: Math.round(performance.now() - sentAt),
          },
          'upstream attempt',
        );
      }
    }
  }
  if (signal.aborted)
    return input.timedOut()
      ? { ok: false, error: TIMEOUT, aborted: false }
      : { ok: false, error: CLIENT_GONE, aborted: true };
  if (!last && skipped.size > 0) return { ok: false, error: UNSERVABLE, aborted: false };
  return {
    ok: false,
    error: last ? finalError(last) : gatewayError(502, 'upstream_error', 'no upstream attempt could be made'),
    aborted: false,
  };
}

/** No deployment of the model has a provider that offers this endpoint: the request's to change. */
const UNSERVABLE = gatewayError(
  400,
  'unsupported_endpoint',
  "The model's providers do not offer this endpoint; use /v1/chat/completions.",
);
