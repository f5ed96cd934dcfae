// A client dialect: how a chat call's result is written back to the client. OpenAI's is the
// canonical shape (no conversion); Anthropic's converts responses and stream chunks to Messages API
// events. Chat handling is written once against this interface.
import type { TokenCounts } from '../pricing/ports.js';
import type { ChatChunk, ChatResponse } from './deps.js';
import type { ErrorFlavor, GatewayError } from './gateway-error.js';

export interface StreamWriter {
  /** SSE text for a chunk ('' to write nothing). */
  chunk(c: ChatChunk): string;
  /** SSE text that ends a successful stream (usage/cost chunk, [DONE] / message_stop). */
  finish(usage: TokenCounts, cost: string): string;
  /** SSE error event for a stream that failed after it started. */
  error(e: GatewayError): string;
}

export interface StreamOptions {
  model: string;
  requestId: string;
  /** The client asked for stream_options.include_usage (OpenAI dialect). */
  includeUsage: boolean;
  /** Prompt-token estimate (Anthropic's message_start announces input tokens up front). */
  promptEstimate: number;
  /** `created` (epoch s) for a synthesised final chunk. */
  created: number;
  /** Chunk object name for a synthesised final chunk (default chat.completion.chunk). */
  object?: string;
}

export interface ChatDialect {
  readonly flavor: ErrorFlavor;
  /** The non-stream response body. */
  response(resp: ChatResponse, usage: TokenCounts): string;
  createStream(opts: StreamOptions): StreamWriter;
}
