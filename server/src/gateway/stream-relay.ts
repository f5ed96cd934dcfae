// Relays an upstream stream to the client as it arrives: provider frames → OpenAI chunks (the
// adapter's parser) → the client dialect's SSE text, written once per upstream read. Before any
// byte goes out the stream is *primed* inside the attempt loop: read until the first chunk, so a
// garbage or error-only answer still falls back to the next deployment. At the end the call is
// billed from the provider's usage, or — when the provider never reported it (cut off, client
// left, provider without stream usage) — from a tokenizer count of what was produced, so a call
// that produced tokens is never free. The cost goes into the final usage chunk (dialect) and the
// HTTP trailer x-tollgate-cost.
import type { ServerResponse } from 'node:http';
import type { StreamParser } from '../providers/ports.js';
import { formatMoney } from '../shared/money.js';
import { UnusableAnswer } from './attempt-loop.js';
import type { CallSignal } from './call-signal.js';
import type { ChatChunk, Deployment, GatewayDeps, Usage } from './deps.js';
import type { StreamWriter } from './dialect.js';
import { CompletionTally } from './estimate.js';
import { gatewayError, type GatewayError } from './gateway-error.js';
import type { UpstreamReply } from './upstream-reply.js';
import { settleCall, type CallContext } from './settle-call.js';

/** An upstream stream whose first chunks are parsed and not yet sent. */
export interface PrimedStream {
  parser: StreamParser<ChatChunk>;
  source: AsyncIterator<Uint8Array | string>;
  first: ChatChunk[];
  /** The upstream body already ended while priming. */
  ended: boolean;
}

/** Read until the parser yields a chunk; an error event, garbage or an empty stream before that
 *  makes the attempt fail (UnusableAnswer) while the client has seen nothing. */
export async function primeStream(reply: UpstreamReply, parser: StreamParser<ChatChunk>): Promise<PrimedStream> {
  const source = reply.chunks();
  for (;;) {
    const r = await source.next();
    const first = r.done ? parser.end() : parser.push(r.value);
    const pe = parser.error();
    if (first.length > 0) return { parser, source, first, ended: r.done === true };
    if (pe) throw new UnusableAnswer(pe);
    if (r.done) {
      if (parser.completed && !parser.completed()) {
        throw new UnusableAnswer({ status: 502, message: 'upstream stream ended before any content', retryable: true });
      }
      return { parser, source, first, ended: true };
    }
  }
}

export interface RelayInput {
  ctx: CallContext;
  primed: PrimedStream;
  deployment: Deployment;
  writer: StreamWriter;
  res: ServerResponse;
  lifetime: CallSignal;
  /** Tokenizer usage for `completionTokens` produced, when the provider reported none. */
  estimate: (completionTokens: number) => Usage;
}

function streamHeaders(input: RelayInput): Record<string, string> {
  const h: Record<string, string> = {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
    'x-request-id': input.ctx.requestId,
    'x-tollgate-provider': input.deployment.provider.id,
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

/** Content, a tool call or reasoning (chat) or text (legacy completions): the first token. */
function hasOutput(c: ChatChunk): boolean {
  const ch = c.choices as Record<string, unknown>[];
  for (let i = 0; i < ch.length; i++) {
    const choice = ch[i];
    if (!choice) continue;
    if (choice['text']) return true;
    const d = choice['delta'] as Record<string, unknown> | undefined;
    if (d && (d['content'] || d['tool_calls'] || d['reasoning_content'] || d['refusal'])) return true;
  }
  return false;
}

export async function relayStream(deps: GatewayDeps, input: RelayInput): Promise<void> {
  const { ctx, primed, writer, res, lifetime } = input;
  const { parser, source } = primed;
  res.writeHead(200, streamHeaders(input));

  // What was produced, kept (as references) only to count tokens if the provider never reports usage.
  const produced = new CompletionTally();
  let ttftMs: number | null = null;
  let failure: GatewayError | null = null;
  let ended = primed.ended;

  const emit = (chunks: ChatChunk[]): Promise<void> | null => {
    if (chunks.length === 0) return null;
    let out = '';
    for (const c of chunks) {
      if (ttftMs === null && hasOutput(c)) ttftMs = performance.now() - ctx.t0;
      produced.add(c);
      out += writer.chunk(c);
    }
    return out && !res.destroyed ? write(res, out) : null;
  };

  try {
    let pending = emit(primed.first);
    if (pending) await pending;
    while (!ended && !parser.error()) {
      const r = await source.next();
      if (r.done) ended = true;
      pending = emit(r.done ? parser.end() : parser.push(r.value));
      if (pending) await pending;
    }
    const pe = parser.error();
    if (pe) failure = gatewayError(502, 'upstream_error', pe.message || 'The upstream provider failed mid-stream.');
    else if (parser.completed && !parser.completed()) {
      failure = gatewayError(502, 'upstream_stream_truncated', 'The upstream stream ended before it was complete.');
    }
  } catch (e) {
    if (!lifetime.clientGone()) {
      deps.log.warn({ requestId: ctx.requestId, err: e, deployment: input.deployment.id }, 'upstream stream failed');
      failure = lifetime.timedOut()
        ? gatewayError(504, 'upstream_timeout', 'The upstream provider did not finish in time.')
        : gatewayError(502, 'upstream_error', 'The upstream connection failed mid-stream.');
    }
  }
  // Stop reading an upstream we no longer relay (error frame, client gone): frees its socket.
  if (!ended) source.return?.().catch(() => {});

  const reported = parser.usage();
  const usage = reported ?? input.estimate(produced.tokens(ctx.admission.entry.name));
  const status = lifetime.clientGone() ? 'cancelled' : failure ? 'incomplete' : 'success';
  const cost = settleCall(deps, ctx, {
    deployment: input.deployment,
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
