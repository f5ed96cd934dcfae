// POST /v1/embeddings and the legacy POST /v1/completions (stream and non-stream). Same flow as
// chat (call-runner); the adapter's optional embeddings/completions transforms decide which
// deployments can serve them — a deployment whose adapter has none is skipped like a failure.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { usageToOpenAI } from '../providers/common/usage.js';
import type { UpstreamRequest } from '../providers/ports.js';
import { UpstreamFormatError } from '../providers/registry.js';
import { attributionOf } from './attribution.js';
import type { Attribution } from './attribution.js';
import { outputChoices } from './admission.js';
import { runCall, type CallSpec } from './call-runner.js';
import type { ChatChunk, Deployment, GatewayDeps, ProviderAdapter, StreamParser, Usage } from './deps.js';
import type { StreamOptions } from './dialect.js';
import { openAiDialect } from './openai-dialect.js';
import { openAiStreamTranscoder } from './openai-passthrough.js';
import { speaksOpenAiStream, type StreamTranscoder } from './stream-transcoder.js';
import { CompletionTally, estimateInputTokensQuick, estimateInputUsage, requestedOutputTokens } from './estimate.js';

export type SimpleKind = 'embeddings' | 'completions';
type Body = Record<string, unknown> & { model: string };

function build(kind: SimpleKind, adapter: ProviderAdapter, d: Deployment, body: Body): UpstreamRequest | null {
  if (kind === 'embeddings') return adapter.buildEmbeddingsRequest?.(d.provider, d.upstreamModel, body) ?? null;
  // A streamed completion needs the adapter's completions stream parser too.
  if (body['stream'] === true && !adapter.createCompletionsStreamParser) return null;
  return adapter.buildCompletionsRequest?.(d.provider, d.upstreamModel, body) ?? null;
}

function parse(kind: SimpleKind, adapter: ProviderAdapter, json: unknown, model: string) {
  const fn = kind === 'embeddings' ? adapter.parseEmbeddingsResponse : adapter.parseCompletionsResponse;
  if (!fn) throw new UpstreamFormatError(`adapter ${adapter.type} cannot parse ${kind}`);
  return fn.call(adapter, json, model);
}

/** Tokens of legacy completion text in a response (embeddings produce none). */
function countOutput(kind: SimpleKind, response: Record<string, unknown>, model: string): number {
  if (kind === 'embeddings' || !Array.isArray(response['choices'])) return 0;
  const tally = new CompletionTally();
  tally.add(response);
  return tally.tokens(model);
}

/** An embeddings or legacy completions request as call-runner's CallSpec. */
class SimpleCall implements CallSpec {
  readonly flavor = 'openai' as const;
  readonly endpoint: SimpleKind;
  readonly kind: SimpleKind;
  readonly model: string;
  readonly stream: boolean;
  readonly includeUsage: boolean;
  readonly promptTokens: number;
  readonly requestedOutput: number | null;
  readonly outputChoices: number;
  readonly requestPreferences: unknown;
  readonly attribution: Attribution;
  /** Embeddings `input` / completions `prompt`. */
  private readonly input: unknown;

  constructor(
    request: FastifyRequest,
    private readonly body: Body,
    kind: SimpleKind,
  ) {
    const so = body['stream_options'] as { include_usage?: unknown } | undefined;
    this.kind = kind;
    this.endpoint = kind;
    this.input = kind === 'embeddings' ? body['input'] : body['prompt'];
    this.model = body.model;
    this.stream = kind === 'completions' && body['stream'] === true;
    this.includeUsage = so?.include_usage === true;
    this.promptTokens = estimateInputTokensQuick(this.input);
    this.requestedOutput = kind === 'embeddings' ? 0 : requestedOutputTokens(body);
    this.outputChoices = outputChoices(kind, body);
    this.requestPreferences = body['provider'];
    this.attribution = attributionOf(request.headers, body);
  }

  build(adapter: ProviderAdapter, d: Deployment): UpstreamRequest | null {
    return build(this.kind, adapter, d, this.body);
  }
  parse(adapter: ProviderAdapter, json: unknown, model: string) {
    return parse(this.kind, adapter, json, model);
  }
  /** The answer as parsed; when the provider reported no usable token counts (the charge was then
   *  estimated, e.g. Gemini embeddings report none), the usage charged is written in instead. */
  render(response: Record<string, unknown>, usage: Usage, estimated: boolean): string {
    if (!estimated) return JSON.stringify(response);
    const counted =
      this.kind === 'embeddings'
        ? { prompt_tokens: usage.promptTokens, total_tokens: usage.promptTokens }
        : usageToOpenAI(usage);
    return JSON.stringify({ ...response, usage: counted });
  }
  /** build() only picks deployments whose adapter has this parser. Legacy completion chunks share
   *  the envelope the relay and writer read (id, choices, usage); `text` is counted as output. */
  transcoder(adapter: ProviderAdapter, opts: StreamOptions): StreamTranscoder {
    const parser = adapter.createCompletionsStreamParser!(opts.model) as unknown as StreamParser<ChatChunk>;
    const writer = openAiDialect.createStream({ ...opts, object: 'text_completion' });
    return openAiStreamTranscoder(speaksOpenAiStream(adapter.type), parser, writer, {
      publicModel: opts.model,
      object: 'text_completion',
      includeUsage: opts.includeUsage,
    });
  }
  countOutput(response: Record<string, unknown>, model: string): number {
    return countOutput(this.kind, response, model);
  }
  estimate(model: string, completionTokens: number): Usage {
    return estimateInputUsage(model, this.input, completionTokens);
  }
}

export function handleSimpleCall(
  deps: GatewayDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  body: Body,
  kind: SimpleKind,
): Promise<void> {
  return runCall(deps, request, reply, new SimpleCall(request, body, kind));
}
