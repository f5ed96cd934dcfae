// Non-streaming JSON calls other than chat: POST /v1/embeddings and the legacy POST
// /v1/completions. Same admission, attempts, settlement and metering as chat; the adapter's
// optional embeddings/completions transforms decide which deployments can serve them.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { UpstreamRequest } from '../providers/ports.js';
import { formatMoney } from '../shared/money.js';
import { admit } from './admission.js';
import { runAttempts } from './attempt-loop.js';
import { attributionOf } from './attribution.js';
import { callSignal } from './call-signal.js';
import type { Deployment, GatewayDeps, ProviderAdapter, Usage } from './deps.js';
import { CompletionTally, estimateInputTokensQuick, estimateInputUsage, maxOutputTokensOf } from './estimate.js';
import { gatewayError } from './gateway-error.js';
import { callerOf, sendError } from './request-context.js';
import { releaseCall, settleCall, type CallContext } from './settle-call.js';

export type SimpleKind = 'embeddings' | 'completions';
type Body = Record<string, unknown> & { model: string };

function build(kind: SimpleKind, adapter: ProviderAdapter, d: Deployment, body: Body): UpstreamRequest | null {
  if (kind === 'embeddings') return adapter.buildEmbeddingsRequest?.(d.provider, d.upstreamModel, body) ?? null;
  return adapter.buildCompletionsRequest?.(d.provider, d.upstreamModel, body) ?? null;
}

function parse(kind: SimpleKind, adapter: ProviderAdapter, json: unknown, model: string) {
  const fn = kind === 'embeddings' ? adapter.parseEmbeddingsResponse : adapter.parseCompletionsResponse;
  if (!fn) throw new Error(`adapter ${adapter.type} cannot parse ${kind}`);
  return fn.call(adapter, json, model);
}

function estimate(kind: SimpleKind, body: Body, response: Record<string, unknown>, model: string): Usage {
  const input = kind === 'embeddings' ? body['input'] : body['prompt'];
  if (kind === 'embeddings' || !Array.isArray(response['choices'])) return estimateInputUsage(model, input, 0);
  const tally = new CompletionTally();
  tally.add(response);
  return estimateInputUsage(model, input, tally.tokens(model));
}

export async function handleSimpleCall(
  deps: GatewayDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  body: Body,
  kind: SimpleKind,
  endpoint: string,
): Promise<void> {
  const caller = callerOf(request);
  const requestId = request.id;
  const attribution = attributionOf(request.headers, body);
  const fallbackCap = deps.settings.defaultMaxOutputTokens;
  const admitted = await admit(deps, {
    caller,
    requestId,
    model: body.model,
    kind,
    promptTokens: estimateInputTokensQuick(kind === 'embeddings' ? body['input'] : body['prompt']),
    maxOutputFor: (cap) => (kind === 'embeddings' ? 0 : maxOutputTokensOf(body, cap, fallbackCap)),
    requestPreferences: body['provider'],
    agent: attribution.agent,
    nowMs: request.gatewayStartedAt,
  });
  if (!admitted.ok) {
    deps.metrics.request(endpoint, admitted.error.status);
    void sendError(reply, 'openai', admitted.error);
    return;
  }
  const admission = admitted.value;
  const ctx: CallContext = {
    requestId,
    caller,
    admission,
    attribution,
    stream: false,
    startedAt: request.gatewayStartedAt,
    t0: request.gatewayT0,
  };
  const { provider: _omit, ...upstreamBody } = body;
  const lifetime = callSignal(reply.raw, deps.settings.upstreamTimeoutMs);
  try {
    const result = await runAttempts(deps, {
      requestId,
      plan: admission.plan,
      build: (adapter, d) => build(kind, adapter, d, upstreamBody as Body),
      signal: lifetime.signal,
      timedOut: lifetime.timedOut,
    });
    if (!result.ok) {
      releaseCall(deps, ctx);
      deps.metrics.request(endpoint, result.error.status);
      if (!result.aborted) void sendError(reply, 'openai', result.error, admission.rateHeaders);
      else void reply.hijack();
      return;
    }
    let parsed;
    try {
      parsed = parse(kind, result.adapter, JSON.parse(await result.reply.text()), admission.entry.name);
    } catch (e) {
      releaseCall(deps, ctx);
      if (lifetime.clientGone()) return;
      deps.log.warn({ requestId, err: e }, 'upstream answer unreadable');
      deps.metrics.request(endpoint, 502);
      void sendError(
        reply,
        'openai',
        gatewayError(502, 'upstream_error', 'The upstream provider sent an unreadable answer.'),
        admission.rateHeaders,
      );
      return;
    }
    const usage = parsed.usage ?? estimate(kind, body, parsed.response, admission.entry.name);
    const cost = settleCall(deps, ctx, {
      deployment: result.deployment,
      usage,
      usageSource: parsed.usage ? 'provider' : 'estimated',
      status: 'success',
      ttftMs: null,
    });
    if (admission.rateHeaders) void reply.headers(admission.rateHeaders);
    deps.metrics.request(endpoint, 200);
    void reply
      .header('x-tollgate-cost', formatMoney(cost))
      .header('x-tollgate-provider', result.deployment.provider.id)
      .type('application/json')
      .send(JSON.stringify(parsed.response));
  } finally {
    lifetime.dispose();
  }
}
