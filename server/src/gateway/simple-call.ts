// POST /v1/embeddings and the legacy POST /v1/completions (stream and non-stream). Same flow as
// chat (call-runner); the adapter's optional embeddings/completions transforms decide which
// deployments can serve them — a deployment whose adapter has none is skipped like a failure.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { UpstreamRequest } from '../providers/ports.js';
import { UpstreamFormatError } from '../providers/registry.js';
import { attributionOf } from './attribution.js';
import { runCall } from './call-runner.js';
import type { ChatChunk, Deployment, GatewayDeps, ProviderAdapter, StreamParser } from './deps.js';
import { openAiDialect } from './openai-dialect.js';
import { OpenAiPassthrough } from './openai-passthrough.js';
import { ParsedTranscoder, speaksOpenAiStream } from './stream-transcoder.js';
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

export function handleSimpleCall(
  deps: GatewayDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  body: Body,
  kind: SimpleKind,
): Promise<void> {
  const input = kind === 'embeddings' ? body['input'] : body['prompt'];
  const so = body['stream_options'] as { include_usage?: unknown } | undefined;
  return runCall(deps, request, reply, {
    endpoint: kind,
    flavor: 'openai',
    kind,
    model: body.model,
    stream: kind === 'completions' && body['stream'] === true,
    includeUsage: so?.include_usage === true,
    promptTokens: estimateInputTokensQuick(input),
    requestedOutput: kind === 'embeddings' ? 0 : requestedOutputTokens(body),
    requestPreferences: body['provider'],
    attribution: attributionOf(request.headers, body),
    build: (adapter, d) => build(kind, adapter, d, body),
    parse: (adapter, json, model) => parse(kind, adapter, json, model),
    render: (response) => JSON.stringify(response),
    // build() only picks deployments whose adapter has this parser. Legacy completion chunks share
    // the envelope the relay and writer read (id, choices, usage); `text` is counted as output.
    transcoder: (adapter, opts) => {
      const parser = adapter.createCompletionsStreamParser!(opts.model) as unknown as StreamParser<ChatChunk>;
      const writer = openAiDialect.createStream({ ...opts, object: 'text_completion' });
      return speaksOpenAiStream(adapter.type)
        ? new OpenAiPassthrough(parser, writer, {
            publicModel: opts.model,
            object: 'text_completion',
            includeUsage: opts.includeUsage,
          })
        : new ParsedTranscoder(parser, writer);
    },
    countOutput: (response, model) => countOutput(kind, response, model),
    estimate: (model, completionTokens) => estimateInputUsage(model, input, completionTokens),
  });
}
