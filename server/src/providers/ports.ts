// Provider adapters: pure wire transforms between Tollgate's canonical shape (OpenAI's Chat
// Completions / Embeddings / Completions wire format) and each provider's. No I/O here: the gateway
// sends the UpstreamRequest it is given and feeds bytes back in.
import type { TokenCounts } from '../pricing/ports.js';

export type ProviderType = 'openai' | 'azure-openai' | 'anthropic' | 'gemini' | 'echo';

export interface ProviderEndpoint {
  id: string;
  type: ProviderType;
  baseUrl: string;
  /** Decrypted secret, only ever held in memory. */
  apiKey: string | null;
  /** azure-openai: api-version query parameter. */
  apiVersion?: string | null;
  /** Extra static headers (e.g. OpenRouter's HTTP-Referer). */
  headers?: Record<string, string>;
}

export interface UpstreamRequest {
  url: string;
  method: 'POST' | 'GET';
  headers: Record<string, string>;
  body: string | null;
}

/** OpenAI chat request as received (validated loosely: unknown fields pass through). */
export type ChatRequest = Record<string, unknown> & {
  model: string;
  messages: unknown[];
  stream?: boolean;
  max_tokens?: number;
  max_completion_tokens?: number;
  stream_options?: { include_usage?: boolean };
};

export type ChatResponse = Record<string, unknown> & {
  id: string;
  object: 'chat.completion';
  choices: unknown[];
  usage?: OpenAIUsage;
};

export type ChatChunk = Record<string, unknown> & {
  id: string;
  object: 'chat.completion.chunk';
  choices: unknown[];
  usage?: OpenAIUsage | null;
};

export interface OpenAIUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details?: { cached_tokens?: number; cache_write_tokens?: number };
  completion_tokens_details?: { reasoning_tokens?: number };
}

/** Normalised usage; null fields = the provider said nothing (count with a tokenizer). */
export type Usage = TokenCounts;

export interface ProviderError {
  status: number;
  message: string;
  /** Worth retrying on another attempt / deployment (429, 5xx, overloaded). */
  retryable: boolean;
}

/** Incremental stream parser: feed raw bytes as they arrive; get OpenAI chunks out. */
export interface StreamParser<C = ChatChunk> {
  /** Text or raw bytes (bytes are UTF-8 decoded statefully, so any split point is safe). */
  push(text: string | Uint8Array): C[];
  /** End of upstream body: flush what remains. */
  end(): C[];
  /** Usage reported by the provider in the stream, once seen. */
  usage(): Usage | null;
  /** An error frame the provider sent mid-stream, if any. */
  error(): ProviderError | null;
  /** True once the provider's end-of-stream marker was seen ([DONE], message_stop, a finishReason);
   *  false at end() means the stream was truncated. */
  completed?(): boolean;
  /** True once the provider's final marker was seen: nothing more will come, not even usage
   *  ([DONE], message_stop). The relay stops reading there instead of waiting for the body's end. */
  terminated?(): boolean;
}

/** Values the pure parsers cannot derive themselves (no clock in providers/). */
export interface ParseContext {
  /** `created` (epoch seconds) for providers whose responses carry no timestamp. */
  created?: number;
}

/** What a network-free adapter (echo) answers instead of an upstream server. */
export interface SimulatedResponse {
  status: number;
  headers: Record<string, string>;
  /** JSON body, or the whole SSE transcript when the request streams. */
  body: string;
}

export interface ProviderAdapter {
  readonly type: ProviderType;
  buildChatRequest(p: ProviderEndpoint, upstreamModel: string, req: ChatRequest): UpstreamRequest;
  /** parse*Response throw UpstreamFormatError (common/upstream-error.ts, re-exported by registry.ts)
   *  when a 2xx body is not the provider's shape; its `.providerError` is a retryable 502. */
  parseChatResponse(
    body: unknown,
    publicModel: string,
    ctx?: ParseContext,
  ): { response: ChatResponse; usage: Usage | null };
  createStreamParser(publicModel: string, ctx?: ParseContext): StreamParser;
  buildEmbeddingsRequest?(p: ProviderEndpoint, upstreamModel: string, req: Record<string, unknown>): UpstreamRequest;
  parseEmbeddingsResponse?(
    body: unknown,
    publicModel: string,
  ): { response: Record<string, unknown>; usage: Usage | null };
  buildCompletionsRequest?(p: ProviderEndpoint, upstreamModel: string, req: Record<string, unknown>): UpstreamRequest;
  parseCompletionsResponse?(
    body: unknown,
    publicModel: string,
  ): { response: Record<string, unknown>; usage: Usage | null };
  /** Legacy completions stream (`text_completion` chunks). */
  createCompletionsStreamParser?(publicModel: string): StreamParser<Record<string, unknown>>;
  /** The provider's own count of a chat request's input tokens (Anthropic's count_tokens), where it
   *  has one; the gateway estimates with the tokenizer otherwise. */
  buildCountTokensRequest?(p: ProviderEndpoint, upstreamModel: string, req: ChatRequest): UpstreamRequest;
  /** The 2xx body of a count request → input tokens (throws UpstreamFormatError on garbage). */
  parseCountTokensResponse?(body: unknown): number;
  parseError(status: number, body: string): ProviderError;
  /** Set only for network-free providers (echo): the gateway calls this instead of the network
   *  and feeds the result through the same parse/stream path as a real upstream's answer. */
  simulate?(req: UpstreamRequest): SimulatedResponse;
}
