// POST /v1/messages/count_tokens (Anthropic's token counting, which Claude Code and the Anthropic
// SDKs call before long requests): how many input tokens a Messages request would use, on any
// configured model. Nothing is generated, reserved, metered or charged (Anthropic does not charge
// for it either). The model's first deployment answers when its provider counts tokens itself
// (Anthropic: exact); otherwise, or when that provider fails, the offline tokenizer estimates.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { estimatePromptTokens } from '../providers/tokenizer/index.js';
import { byPriority } from '../routing/strategies.js';
import { modelFor } from './admission.js';
import { callSignal } from './call-signal.js';
import type { ChatRequest, Deployment, GatewayDeps, ModelEntry } from './deps.js';
import { callerOf, sendError } from './request-context.js';

const ENDPOINT = 'count_tokens';

/** The deployment a call would try first under priority routing. */
function firstDeployment(entry: ModelEntry): Deployment | null {
  let first: Deployment | null = null;
  for (const d of entry.deployments) if (!first || byPriority(d, first) < 0) first = d;
  return first;
}

/** The provider's own count, or null when it has none or could not give one. */
async function providerCount(
  deps: GatewayDeps,
  reply: FastifyReply,
  d: Deployment,
  chat: ChatRequest,
): Promise<number | null> {
  const adapter = deps.adapterFor(d.provider.type);
  if (!adapter?.buildCountTokensRequest || !adapter.parseCountTokensResponse || adapter.simulate) return null;
  const timeoutMs = Math.min(deps.settings.firstByteTimeoutMs, d.timeoutMs ?? deps.settings.upstreamTimeoutMs);
  const lifetime = callSignal(reply.raw, timeoutMs);
  try {
    const res = await deps.upstream.send(adapter.buildCountTokensRequest(d.provider, d.upstreamModel, chat), {
      signal: lifetime.signal,
      firstByteTimeoutMs: timeoutMs,
      bodyTimeoutMs: timeoutMs,
    });
    const text = await res.body.text();
    if (res.statusCode >= 300) throw new Error(`status ${res.statusCode}: ${text.slice(0, 200)}`);
    return adapter.parseCountTokensResponse(JSON.parse(text));
  } catch (err) {
    deps.log.warn({ err, provider: d.provider.id }, 'count_tokens: the provider did not count; estimating');
    return null;
  } finally {
    lifetime.dispose();
  }
}

export async function handleCountTokens(
  deps: GatewayDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  chat: ChatRequest,
): Promise<void> {
  const known = modelFor(deps, callerOf(request), chat.model, 'chat');
  if (!known.ok) {
    deps.metrics.request(ENDPOINT, known.error.status);
    void sendError(reply, 'anthropic', known.error);
    return;
  }
  const d = firstDeployment(known.value);
  const counted = d ? await providerCount(deps, reply, d, chat) : null;
  const inputTokens = counted ?? estimatePromptTokens(chat, d?.upstreamModel ?? chat.model);
  deps.metrics.request(ENDPOINT, 200);
  void reply.type('application/json').send(JSON.stringify({ input_tokens: inputTokens }));
}
