// One chat call end to end, for either client dialect: admit (auth already done) → attempts →
// non-stream JSON answer or streamed relay → settle and meter. The provider sees a copy of the
// request without Tollgate's own `provider` preferences object.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ParseContext } from '../providers/ports.js';
import { formatMoney } from '../shared/money.js';
import { admit } from './admission.js';
import { runAttempts } from './attempt-loop.js';
import { attributionOf } from './attribution.js';
import { callSignal } from './call-signal.js';
import type { ChatRequest, GatewayDeps } from './deps.js';
import type { ChatDialect } from './dialect.js';
import {
  estimateChatPromptTokens,
  estimateChatUsage,
  estimateResponseCompletionTokens,
  maxOutputTokensOf,
} from './estimate.js';
import { gatewayError } from './gateway-error.js';
import { callerOf, sendError } from './request-context.js';
import { releaseCall, settleCall, type CallContext } from './settle-call.js';
import { relayStream } from './stream-relay.js';

/** The request as the provider adapters receive it. */
function upstreamChatRequest(chat: ChatRequest): ChatRequest {
  const { provider: _omit, ...rest } = chat;
  const out = rest as ChatRequest;
  if (out.stream === true) {
    // Always ask for usage so streams are billed from the provider's numbers.
    out.stream_options = { ...(chat.stream_options ?? {}), include_usage: true };
  }
  return out;
}

export async function handleChatCall(
  deps: GatewayDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  chat: ChatRequest,
  dialect: ChatDialect,
  endpoint: string,
): Promise<void> {
  const caller = callerOf(request);
  const requestId = request.id;
  const attribution = attributionOf(request.headers, chat);
  const promptEstimate = estimateChatPromptTokens(chat);
  const fallbackCap = deps.settings.defaultMaxOutputTokens;
  const admitted = await admit(deps, {
    caller,
    requestId,
    model: chat.model,
    kind: 'chat',
    promptTokens: promptEstimate,
    maxOutputFor: (cap) => maxOutputTokensOf(chat, cap, fallbackCap),
    requestPreferences: chat['provider'],
    agent: attribution.agent,
    nowMs: request.gatewayStartedAt,
  });
  if (!admitted.ok) {
    deps.metrics.request(endpoint, admitted.error.status);
    void sendError(reply, dialect.flavor, admitted.error);
    return;
  }
  const admission = admitted.value;
  const ctx: CallContext = {
    requestId,
    caller,
    admission,
    attribution,
    stream: chat.stream === true,
    startedAt: request.gatewayStartedAt,
    t0: request.gatewayT0,
  };
  const upstreamChat = upstreamChatRequest(chat);
  const parseCtx: ParseContext = { created: Math.floor(ctx.startedAt / 1000) };
  const lifetime = callSignal(reply.raw, deps.settings.upstreamTimeoutMs);
  try {
    const result = await runAttempts(deps, {
      requestId,
      plan: admission.plan,
      build: (adapter, d) => adapter.buildChatRequest(d.provider, d.upstreamModel, upstreamChat),
      signal: lifetime.signal,
      timedOut: lifetime.timedOut,
    });
    if (!result.ok) {
      releaseCall(deps, ctx);
      deps.metrics.request(endpoint, result.error.status);
      if (!result.aborted) void sendError(reply, dialect.flavor, result.error, admission.rateHeaders);
      else void reply.hijack();
      return;
    }
    const before = result.sentAt - ctx.t0;
    if (ctx.stream) {
      deps.metrics.overhead(before);
      void reply.hijack();
      await relayStream(deps, {
        ctx,
        chat,
        success: result,
        writer: dialect.createStream({
          model: admission.entry.name,
          requestId,
          includeUsage: chat.stream_options?.include_usage === true,
          promptEstimate,
        }),
        res: reply.raw,
        lifetime,
        parseCtx,
      });
      deps.metrics.request(endpoint, 200);
      return;
    }

    let parsed;
    try {
      const text = await result.reply.text();
      parsed = result.adapter.parseChatResponse(JSON.parse(text), admission.entry.name, parseCtx);
    } catch (e) {
      releaseCall(deps, ctx);
      if (lifetime.clientGone()) return;
      deps.log.warn({ requestId, err: e, deployment: result.deployment.id }, 'upstream answer unreadable');
      const err = lifetime.timedOut()
        ? gatewayError(504, 'upstream_timeout', 'The upstream provider did not finish in time.')
        : gatewayError(502, 'upstream_error', 'The upstream provider sent an unreadable answer.');
      deps.metrics.request(endpoint, err.status);
      void sendError(reply, dialect.flavor, err, admission.rateHeaders);
      return;
    }
    const usage =
      parsed.usage ??
      estimateChatUsage(
        admission.entry.name,
        chat,
        estimateResponseCompletionTokens(parsed.response, admission.entry.name),
      );
    const cost = settleCall(deps, ctx, {
      deployment: result.deployment,
      usage,
      usageSource: parsed.usage ? 'provider' : 'estimated',
      status: 'success',
      ttftMs: null,
    });
    const answeredAt = performance.now();
    if (admission.rateHeaders) void reply.headers(admission.rateHeaders);
    void reply
      .header('x-tollgate-cost', formatMoney(cost))
      .header('x-tollgate-provider', result.deployment.provider.id)
      .type('application/json')
      .send(dialect.response(parsed.response, usage));
    deps.metrics.overhead(before + performance.now() - answeredAt);
    deps.metrics.request(endpoint, 200);
  } finally {
    lifetime.dispose();
  }
}
