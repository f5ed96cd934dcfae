// Relays an upstream stream to the client as it arrives: upstream bytes → the client's SSE text
// (a StreamTranscoder: the adapter's parser and the dialect's writer, or the OpenAI passthrough),
// written once per upstream read. Before any byte goes out the stream is *primed* inside the
// attempt loop: read until the answer produced output or completed, so a garbage or error-only
// answer (an error right after the opening event included) still falls back to the next
// deployment. At the end the call is billed from the provider's usage, or — when the provider
// never reported it (cut off, client left, provider without stream usage) — from a tokenizer count
// of what was produced, so a call that produced tokens is never free. The cost goes into the final
// usage chunk (dialect) and the HTTP trailer x-tollgate-cost.
import type { ServerResponse } from 'node:http';
import { formatMoney } from '../shared/money.js';
import { UnusableAnswer } from './attempt-loop.js';
import type { CallSignal } from './call-signal.js';
import type { Deployment, GatewayDeps, Usage } from './deps.js';
import { gatewayError, type GatewayError } from './gateway-error.js';
import { priceCall, settleCall, type CallContext, type CallOutcome } from './settle-call.js';
import type { StreamTranscoder } from './stream-transcoder.js';
import type { UpstreamReply } from './upstream-reply.js';

/** An upstream stream whose first client text is ready and not yet sent. */
export interface PrimedStream {
  reply: UpstreamReply;
  transcoder: StreamTranscoder;
  source: AsyncIterator<Uint8Array | string>;
  first: string;
  /** The upstream body already ended while priming. */
  ended: boolean;
}

/** Read until the answer is known to be usable: it produced output (content, a tool call,
 *  reasoning) or completed (an empty answer is still an answer). The opening event (OpenAI's role
 *  chunk, Anthropic's message_start) says nothing about that: an error event or the body's end
 *  right after it, or garbage, makes the attempt fail (UnusableAnswer) while the client has seen
 *  nothing, so the next deployment is tried. What was read so far is held and sent at once. No
 *  timer of its own: a silent upstream is cut by the body timeout or the call's timeout. */
export async function primeStream(reply: UpstreamReply, transcoder: StreamTranscoder): Promise<PrimedStream> {
  const source = reply.chunks();
  let first = '';
  for (;;) {
    const r = await source.next();
    first += r.done ? transcoder.end() : transcoder.push(r.value);
    if (!transcoder.sawOutput()) {
      const pe = transcoder.error();
      if (pe) throw new UnusableAnswer(pe);
      if (!transcoder.completed()) {
        if (!r.done) continue;
        throw new UnusableAnswer({ status: 502, message: 'upstream stream ended before any content', retryable: true });
      }
    }
    return { reply, transcoder, source, first, ended: r.done === true };
  }
}

export interface RelayInput {
  ctx: CallContext;
  primed: PrimedStream;
  deployment: Deployment;
  res: ServerResponse;
  lifetime: CallSignal;
  /** Tokenizer usage for `completionTokens` produced, when the provider reported none. */
  estimator: { estimate(model: string, completionTokens: number): Usage };
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

export async function relayStream(deps: GatewayDeps, input: RelayInput): Promise<void> {
  const { ctx, primed, res, lifetime } = input;
  const { transcoder: t, source } = primed;
  res.writeHead(200, streamHeaders(input));

  let ttftMs: number | null = null;
  let failure: GatewayError | null = null;
  let ended = primed.ended;
  const noteFirstOutput = () => {
    if (ttftMs === null && t.sawOutput()) ttftMs = performance.now() - ctx.t0;
  };
  const send = (text: string): Promise<void> | null => {
    noteFirstOutput();
    return text && !res.destroyed ? write(res, text) : null;
  };

  // The whole answer came with the first read(s) (a short answer, a fast provider): it leaves with
  // the closing text in the one write at the end instead of a write of its own.
  let held = '';
  try {
    if (ended || t.error() || t.terminated()) {
      noteFirstOutput();
      held = primed.first;
    } else {
      const pending = send(primed.first);
      if (pending) await pending;
    }
    // Up to the provider's final marker, not the end of its body: an upstream that keeps the
    // connection open after [DONE] / message_stop must not turn a finished answer into a timeout.
    while (!ended && !t.error() && !t.terminated()) {
      const r = await source.next();
      if (r.done) ended = true;
      const pending = send(r.done ? t.end() : t.push(r.value));
      if (pending) await pending;
    }
    const pe = t.error();
    if (pe) failure = gatewayError(502, 'upstream_error', pe.message || 'The upstream provider failed mid-stream.');
    else if (!t.completed()) {
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
  if (!ended) {
    // After the provider's final marker the body's end usually follows at once (a later read):
    // read it so the connection is kept. Otherwise (error frame, client gone, cut short) stop
    // reading an upstream we no longer relay: that frees its socket.
    if (t.terminated() && !failure && !lifetime.clientGone()) primed.reply.release();
    else source.return?.().catch(() => {});
  }

  const reported = t.usage();
  const model = ctx.admission.entry.name;
  const usage = reported ?? input.estimator.estimate(model, t.producedTokens(model));
  const status = lifetime.clientGone() ? 'cancelled' : failure ? 'incomplete' : 'success';
  const outcome: CallOutcome = {
    deployment: input.deployment,
    usage,
    usageSource: reported ? 'provider' : 'estimated',
    status,
    ttftMs,
  };
  const price = priceCall(deps, ctx, outcome);
  if (!res.destroyed && !lifetime.clientGone()) {
    const costText = formatMoney(price.cost);
    res.addTrailers({ 'x-tollgate-cost': costText });
    // end(text), not write(text) + end(): the closing text, the last chunk and the trailer leave
    // in one write (one syscall) instead of two.
    res.end(held + (failure ? t.fail(failure) : t.finish(usage, costText)));
  }
  settleCall(deps, ctx, outcome, price);
}
