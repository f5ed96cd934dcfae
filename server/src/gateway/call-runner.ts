// One model call end to end, for every /v1 endpoint and client dialect: admit (the key was already
// authenticated) → attempts until a deployment gives a usable answer → the JSON answer or the
// streamed relay → settle and meter. What differs per endpoint (how to build, parse, render and
// estimate) comes in a CallSpec; the flow is written once.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ParseContext, UpstreamRequest } from '../providers/ports.js';
import { formatMoney } from '../shared/money.js';
import { admit, type EndpointKind } from './admission.js';
import { runAttempts, type AttemptInput, type UpstreamReply } from './attempt-loop.js';
import type { Attribution } from './attribution.js';
import { callSignal, type CallAbortSignal, type CallSignal } from './call-signal.js';
import type { Deployment, GatewayDeps, ProviderAdapter, Usage } from './deps.js';
import type { StreamOptions } from './dialect.js';
import type { ErrorFlavor, GatewayError } from './gateway-error.js';
import { callerOf, sendError, sendJson } from './request-context.js';
import { priceCall, releaseCall, settleCall, type CallContext, type CallOutcome } from './settle-call.js';
import { primeStream, relayStream, type PrimedStream } from './stream-relay.js';
import type { StreamTranscoder } from './stream-transcoder.js';

export interface CallSpec {
  /** Metrics label (chat, messages, embeddings, completions). */
  endpoint: string;
  flavor: ErrorFlavor;
  kind: EndpointKind;
  model: string;
  stream: boolean;
  /** Stream: the client asked for the usage chunk (stream_options.include_usage). */
  includeUsage: boolean;
  /** Reservation estimate of the prompt (no tokenizer). */
  promptTokens: number;
  requestedOutput: number | null;
  /** Completions the request generates (n; best_of per prompt for legacy completions): the output
   *  allowance is reserved once per completion (admission's outputChoices). Default 1. */
  outputChoices?: number;
  /** Thinking tokens a request without an output cap may add to the default allowance. */
  thinkingTokens?: number;
  /** The body's `provider` object, unvalidated. */
  requestPreferences: unknown;
  attribution: Attribution;
  build(adapter: ProviderAdapter, d: Deployment): UpstreamRequest | null;
  /** Non-stream: the 2xx JSON body → canonical response (throws UpstreamFormatError on garbage). */
  parse(
    adapter: ProviderAdapter,
    json: unknown,
    model: string,
    ctx: ParseContext,
  ): { response: Record<string, unknown>; usage: Usage | null };
  /** Non-stream: the body the client gets; `usage` is what was charged (`estimated`: the provider
   *  reported none). */
  render(response: Record<string, unknown>, usage: Usage, estimated: boolean): string;
  /** Non-stream: the body the client gets, straight from the upstream's text when the client
   *  speaks the adapter's format (what render would say, without re-serialising); null: render. */
  forward?(adapter: ProviderAdapter, text: string, json: unknown, model: string, usage: Usage | null): string | null;
  /** Stream: upstream bytes of this adapter → the client's SSE text. */
  transcoder(adapter: ProviderAdapter, opts: StreamOptions, ctx: ParseContext): StreamTranscoder;
  /** Tokenizer count of a non-stream response's output (provider reported no usage). */
  countOutput(response: Record<string, unknown>, model: string): number;
  /** Tokenizer usage: the prompt counted, plus `completionTokens`. */
  estimate(model: string, completionTokens: number): Usage;
}

export async function runCall(
  deps: GatewayDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  spec: CallSpec,
): Promise<void> {
  const caller = callerOf(request);
  const requestId = request.id;
  const admitted = await admit(deps, {
    caller,
    requestId,
    model: spec.model,
    kind: spec.kind,
    promptTokens: spec.promptTokens,
    requestedOutput: spec.requestedOutput,
    defaultOutput: deps.settings.defaultMaxOutputTokens + (spec.thinkingTokens ?? 0),
    outputChoices: spec.outputChoices,
    requestPreferences: spec.requestPreferences,
    agent: spec.attribution.agent,
    nowMs: request.gatewayStartedAt,
  });
  if (!admitted.ok) {
    deps.metrics.request(spec.endpoint, admitted.error.status);
    void sendError(reply, spec.flavor, admitted.error);
    return;
  }
  const admission = admitted.value;
  const ctx: CallContext = {
    requestId,
    caller,
    admission,
    attribution: spec.attribution,
    stream: spec.stream,
    startedAt: request.gatewayStartedAt,
    t0: request.gatewayT0,
  };
  const lifetime = callSignal(reply.raw, deps.settings.upstreamTimeoutMs);
  try {
    if (spec.stream) await new StreamCall(deps, reply, spec, ctx, lifetime).run();
    else await new JsonCall(deps, reply, spec, ctx, lifetime).run();
  } finally {
    lifetime.dispose();
  }
}

/** One admitted call on its way through the attempts; it is the attempt loop's input itself
 *  (methods, not per-call closures: this runs for every request). */
abstract class RunningCall<T> implements AttemptInput<T> {
  readonly requestId: string;
  readonly plan: readonly Deployment[];
  /** The public model name. */
  readonly model: string;
  readonly parseCtx: ParseContext;

  constructor(
    readonly deps: GatewayDeps,
    readonly reply: FastifyReply,
    readonly spec: CallSpec,
    readonly ctx: CallContext,
    readonly lifetime: CallSignal,
  ) {
    this.requestId = ctx.requestId;
    this.plan = ctx.admission.plan;
    this.model = ctx.admission.entry.name;
    this.parseCtx = { created: Math.floor(ctx.startedAt / 1000) };
  }

  get signal(): CallAbortSignal {
    return this.lifetime.signal;
  }
  timedOut(): boolean {
    return this.lifetime.timedOut();
  }
  build(adapter: ProviderAdapter, d: Deployment): UpstreamRequest | null {
    return this.spec.build(adapter, d);
  }
  abstract accept(reply: UpstreamReply, adapter: ProviderAdapter): Promise<T>;

  /** No deployment gave a usable answer: nothing was charged, the reservation goes back. */
  protected answerFailure(failure: { error: GatewayError; aborted: boolean }): void {
    const { deps, reply, spec, ctx } = this;
    releaseCall(deps, ctx);
    deps.metrics.request(spec.endpoint, failure.error.status);
    if (failure.aborted) reply.hijack();
    else void sendError(reply, spec.flavor, failure.error, ctx.admission.rateHeaders);
  }
}

type Parsed = { response: Record<string, unknown>; usage: Usage | null; forwarded: string | null };

class JsonCall extends RunningCall<Parsed> {
  async accept(r: UpstreamReply, adapter: ProviderAdapter): Promise<Parsed> {
    const text = await r.text();
    const json: unknown = JSON.parse(text);
    const { response, usage } = this.spec.parse(adapter, json, this.model, this.parseCtx);
    return { response, usage, forwarded: this.spec.forward?.(adapter, text, json, this.model, usage) ?? null };
  }

  async run(): Promise<void> {
    const { deps, reply, spec, ctx, model } = this;
    const result = await runAttempts(deps, this);
    if (!result.ok) return this.answerFailure(result);
    const { response, usage: reported, forwarded } = result.value;
    const usage = reported ?? spec.estimate(model, spec.countOutput(response, model));
    const outcome: CallOutcome = {
      deployment: result.deployment,
      usage,
      usageSource: reported ? 'provider' : 'estimated',
      status: 'success',
      ttftMs: null,
    };
    const price = priceCall(deps, ctx, outcome);
    const answeredAt = performance.now();
    sendJson(reply, ctx.requestId, forwarded ?? spec.render(response, usage, reported === null), {
      cost: formatMoney(price.cost),
      provider: result.deployment.provider.id,
      rate: ctx.admission.rateHeaders,
    });
    deps.metrics.overhead(result.sentAt - ctx.t0 + performance.now() - answeredAt);
    settleCall(deps, ctx, outcome, price);
    deps.metrics.request(spec.endpoint, 200);
  }
}

class StreamCall extends RunningCall<PrimedStream> {
  private readonly writerOpts: StreamOptions = {
    model: this.model,
    requestId: this.requestId,
    includeUsage: this.spec.includeUsage,
    promptEstimate: this.spec.promptTokens,
    created: this.parseCtx.created!,
  };

  accept(r: UpstreamReply, adapter: ProviderAdapter): Promise<PrimedStream> {
    return primeStream(r, this.spec.transcoder(adapter, this.writerOpts, this.parseCtx));
  }

  async run(): Promise<void> {
    const { deps, reply, spec, ctx } = this;
    const result = await runAttempts(deps, this);
    if (!result.ok) return this.answerFailure(result);
    deps.metrics.overhead(result.sentAt - ctx.t0);
    reply.hijack();
    await relayStream(deps, {
      ctx,
      primed: result.value,
      deployment: result.deployment,
      res: reply.raw,
      lifetime: this.lifetime,
      estimator: spec,
    });
    deps.metrics.request(spec.endpoint, 200);
  }
}
