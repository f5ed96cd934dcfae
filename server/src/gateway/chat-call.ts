// Chat calls in either client dialect: POST /v1/chat/completions (OpenAI, canonical) and
// POST /v1/messages (Anthropic, translated to the canonical request by providers/messages-api).
// The flow is call-runner's; this file says how a chat request is built, parsed, rendered and
// estimated.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { outputChoices } from './admission.js';
import { attributionOf, type Attribution } from './attribution.js';
import { runCall, type CallSpec } from './call-runner.js';
import type { ParseContext, UpstreamRequest } from '../providers/ports.js';
import type { ChatRequest, ChatResponse, Deployment, GatewayDeps, ProviderAdapter, Usage } from './deps.js';
import type { ChatDialect, StreamOptions } from './dialect.js';
import type { ErrorFlavor } from './gateway-error.js';
import {
  estimateChatPromptTokens,
  estimateChatUsage,
  estimateResponseCompletionTokens,
  requestedOutputTokens,
  thinkingAllowance,
} from './estimate.js';
import { openAiDialect } from './openai-dialect.js';
import { forwardOpenAiChatResponse, openAiStreamTranscoder } from './openai-passthrough.js';
import { speaksOpenAiStream, type StreamTranscoder } from './stream-transcoder.js';

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

/** A chat request as call-runner's CallSpec (prototype methods: no closures per call). */
class ChatCall implements CallSpec {
  readonly kind = 'chat' as const;
  readonly endpoint: string;
  readonly flavor: ErrorFlavor;
  readonly model: string;
  readonly stream: boolean;
  readonly includeUsage: boolean;
  readonly promptTokens: number;
  readonly requestedOutput: number | null;
  readonly outputChoices: number;
  readonly thinkingTokens: number;
  readonly requestPreferences: unknown;
  readonly attribution: Attribution;
  private readonly chat: ChatRequest;
  private readonly dialect: ChatDialect;

  constructor(request: FastifyRequest, input: ChatCallInput) {
    const { chat, dialect } = input;
    this.chat = chat;
    this.dialect = dialect;
    this.endpoint = input.endpoint;
    this.flavor = dialect.flavor;
    this.model = chat.model;
    this.stream = chat.stream === true;
    this.includeUsage = chat.stream_options?.include_usage === true;
    this.promptTokens = estimateChatPromptTokens(chat);
    this.requestedOutput = requestedOutputTokens(chat);
    this.outputChoices = outputChoices('chat', chat as Record<string, unknown>);
    this.thinkingTokens = this.requestedOutput === null ? thinkingAllowance(chat as Record<string, unknown>) : 0;
    this.requestPreferences = input.preferences;
    this.attribution = input.attribution ?? attributionOf(request.headers, chat);
  }

  /** Adapters drop Tollgate's own `provider` object and always ask streams for usage. */
  build(adapter: ProviderAdapter, d: Deployment): UpstreamRequest {
    return adapter.buildChatRequest(d.provider, d.upstreamModel, this.chat);
  }
  parse(adapter: ProviderAdapter, json: unknown, model: string, ctx: ParseContext) {
    return adapter.parseChatResponse(json, model, ctx);
  }
  render(response: Record<string, unknown>, usage: Usage): string {
    return this.dialect.response(response as ChatResponse, usage);
  }
  forward(adapter: ProviderAdapter, text: string, json: unknown, model: string, usage: Usage | null): string | null {
    return this.dialect === openAiDialect && speaksOpenAiStream(adapter.type)
      ? forwardOpenAiChatResponse(text, json, model, usage)
      : null;
  }
  transcoder(adapter: ProviderAdapter, opts: StreamOptions, ctx: ParseContext): StreamTranscoder {
    const parser = adapter.createStreamParser(opts.model, ctx);
    const writer = this.dialect.createStream(opts);
    return openAiStreamTranscoder(this.dialect === openAiDialect && speaksOpenAiStream(adapter.type), parser, writer, {
      publicModel: opts.model,
      object: 'chat.completion.chunk',
      includeUsage: opts.includeUsage,
    });
  }
  countOutput(response: Record<string, unknown>, model: string): number {
    return estimateResponseCompletionTokens(response as ChatResponse, model);
  }
  estimate(model: string, completionTokens: number): Usage {
    return estimateChatUsage(model, this.chat, completionTokens);
  }
}

export function handleChatCall(
  deps: GatewayDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  input: ChatCallInput,
): Promise<void> {
  return runCall(deps, request, reply, new ChatCall(request, input));
}
