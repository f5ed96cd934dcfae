// Chat calls in either client dialect: POST /v1/chat/completions (OpenAI, canonical) and
// POST /v1/messages (Anthropic, translated to the canonical request by providers/messages-api).
// The flow is call-runner's; this file says how a chat request is built, parsed, rendered and
// estimated.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { attributionOf, type Attribution } from './attribution.js';
import { runCall } from './call-runner.js';
import type { ChatRequest, ChatResponse, GatewayDeps } from './deps.js';
import type { ChatDialect } from './dialect.js';
import {
  estimateChatPromptTokens,
  estimateChatUsage,
  estimateResponseCompletionTokens,
  requestedOutputTokens,
} from './estimate.js';
import { openAiDialect } from './openai-dialect.js';
import { OpenAiPassthrough } from './openai-passthrough.js';
import { ParsedTranscoder, speaksOpenAiStream } from './stream-transcoder.js';

export interface ChatCallInput {
  chat: ChatRequest;
  dialect: ChatDialect;
  /** Metrics label: chat | messages. */
  endpoint: string;
  /** The `provider` preferences object from the client's body, unvalidated. */
  preferences: unknown;
  /** Defaults to the chat request's own metadata/user and the X-Tollgate-* headers. */
  attribution?: Attribution;
}

export function handleChatCall(
  deps: GatewayDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  input: ChatCallInput,
): Promise<void> {
  const { chat, dialect } = input;
  return runCall(deps, request, reply, {
    endpoint: input.endpoint,
    flavor: dialect.flavor,
    kind: 'chat',
    model: chat.model,
    stream: chat.stream === true,
    includeUsage: chat.stream_options?.include_usage === true,
    promptTokens: estimateChatPromptTokens(chat),
    requestedOutput: requestedOutputTokens(chat),
    requestPreferences: input.preferences,
    attribution: input.attribution ?? attributionOf(request.headers, chat),
    // Adapters drop Tollgate's own `provider` object and always ask streams for usage.
    build: (adapter, d) => adapter.buildChatRequest(d.provider, d.upstreamModel, chat),
    parse: (adapter, json, model, ctx) => adapter.parseChatResponse(json, model, ctx),
    render: (response, usage) => dialect.response(response as ChatResponse, usage),
    transcoder: (adapter, opts, ctx) => {
      const parser = adapter.createStreamParser(opts.model, ctx);
      const writer = dialect.createStream(opts);
      return dialect === openAiDialect && speaksOpenAiStream(adapter.type)
        ? new OpenAiPassthrough(parser, writer, {
            publicModel: opts.model,
            object: 'chat.completion.chunk',
            includeUsage: opts.includeUsage,
          })
        : new ParsedTranscoder(parser, writer);
    },
    countOutput: (response, model) => estimateResponseCompletionTokens(response as ChatResponse, model),
    estimate: (model, completionTokens) => estimateChatUsage(model, chat, completionTokens),
  });
}
