// Relays an upstream stream to the client as it arrives: provider frames → OpenAI chunks (the
// adapter's parser) → the client dialect's SSE text, written once per upstream read. At the end the
// call is billed from the provider's usage, or — when the provider never reported it (cut off,
// client left, provider without stream usage) — from a tokenizer count of what was produced, so a
// call that produced tokens is never free. The cost goes into the final usage chunk (dialect) and
// the HTTP trailer x-tollgate-cost.
import type { ServerResponse } from 'node:http';
import type { ParseContext, StreamParser } from '../providers/ports.js';
import { formatMoney } from '../shared/money.js';
import type { AttemptSuccess } from './attempt-loop.js';
import type { CallSignal } from './call-signal.js';
import type { ChatChunk, ChatRequest, GatewayDeps } from './deps.js';
import type { StreamWriter } from './dialect.js';
import { CompletionTally, estimateChatUsage } from './estimate.js';
import { gatewayError, type GatewayError } from './gateway-error.js';
import type { CallContext } from './settle-call.js';
import { settleCall } from './settle-call.js';

export interface RelayInput {
  ctx: CallContext;
  chat: ChatRequest;
  success: AttemptSuccess;
  writer: StreamWriter;
  res: ServerResponse;
  lifetime: CallSignal;
  parseCtx: ParseContext;
}

function streamHeaders(input: RelayInput): Record<string, string> {
  const h: Record<string, string> = {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
    'x-request-id': input.ctx.requestId,
    'x-tollgate-provider': input.success.deployment.provider.id,
    trailer: 'x-tollgate-cost',
  };
  const rate = input.ctx.admission.rateHeaders;
  if (rate) for (const k in rate) h[k] = rate[k]!;
  return h;
}

/** Write, and wait for the socket to drain when the client reads slower than the upstream sends. */
function write(res: ServerResponse, text: string): Promise<void> | null {
  if (res.write(text)) return null;
  return new Promise((resolve) => {
    const done = () => {
      res.removeListener('drain', done);
      res.removeListener('close', done);
      resolve();
    };
    res.once('drain', done);
    res.once('close', done);
  });
}

function hasOutput(c: ChatChunk): boolean {
  const ch = c.choices as Record<string, unknown>[];
  for (let i = 0; i < ch.length; i++) {
    const d = ch[i]?.['delta'] as Record<string, unknown> | undefined;
    if (d && (d['content'] || d['tool_calls'] || d['reasoning_content'] || d['refusal'])) return true;
  }
  return false;
}

export async function relayStream(deps: GatewayDeps, input: RelayInput): Promise<void> {
  const { ctx, success, writer, res, lifetime } = input;
  const model = ctx.admission.entry.name;
  const parser: StreamParser = success.adapter.createStreamParser(model, input.parseCtx);
  res.writeHead(200, streamHeaders(input));
  res.flushHeaders();

  // What was produced, kept (as references) only to count tokens if the provider never reports usage.
  const produced = new CompletionTally();
  let ttftMs: number | null = null;
  let failure: GatewayError | null = null;

  const emit = async (chunks: ChatChunk[]): Promise<void> => {
    if (chunks.length === 0) return;
    let out = '';
    for (const c of chunks) {
      if (ttftMs === null && hasOutput(c)) ttftMs = performance.now() - ctx.t0;
      produced.add(c);
      out += writer.chunk(c);
    }
    if (out && !res.destroyed) await write(res, out);
  };

  try {
    for await (const part of success.reply.chunks()) {
      await emit(parser.push(part));
      if (parser.error()) break;
    }
    await emit(parser.end());
    const pe = parser.error();
    if (pe) failure = gatewayError(502, 'upstream_error', pe.message || 'The upstream provider failed mid-stream.');
    else if (parser.completed && !parser.completed()) {
      failure = gatewayError(502, 'upstream_stream_truncated', 'The upstream stream ended before it was complete.');
    }
  } catch (e) {
    if (!lifetime.clientGone()) {
      deps.log.warn({ requestId: ctx.requestId, err: e, deployment: success.deployment.id }, 'upstream stream failed');
      failure = lifetime.timedOut()
        ? gatewayError(504, 'upstream_timeout', 'The upstream provider did not finish in time.')
        : gatewayError(502, 'upstream_error', 'The upstream connection failed mid-stream.');
    }
  }

  const reported = parser.usage();
  const usage = reported ?? estimateChatUsage(model, input.chat, produced.tokens(model));
  const status = lifetime.clientGone() ? 'cancelled' : failure ? 'incomplete' : 'success';
  const cost = settleCall(deps, ctx, {
    deployment: success.deployment,
    usage,
    usageSource: reported ? 'provider' : 'estimated',
    status,
    ttftMs,
  });
  if (res.destroyed || lifetime.clientGone()) return;
  const costText = formatMoney(cost);
  res.write(failure ? writer.error(failure) : writer.finish(usage, costText));
  res.addTrailers({ 'x-tollgate-cost': costText });
  res.end();
}
