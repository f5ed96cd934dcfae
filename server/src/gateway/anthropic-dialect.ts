// The Anthropic Messages API as a client dialect (POST /v1/messages): canonical chat results are
// rendered with providers/messages-api — the message object for non-stream calls, and its SSE
// event sequence for streams (MessagesStreamEncoder, tested against the official SDK).
import { anthropicErrorType, chatResponseToMessage, MessagesStreamEncoder } from '../providers/messages-api/index.js';
import type { TokenCounts } from '../pricing/ports.js';
import type { ChatChunk } from './deps.js';
import type { ChatDialect, StreamOptions, StreamWriter } from './dialect.js';
import type { GatewayError } from './gateway-error.js';

class AnthropicStreamWriter implements StreamWriter {
  private readonly encoder: MessagesStreamEncoder;

  constructor(opts: StreamOptions) {
    this.encoder = new MessagesStreamEncoder({ model: opts.model, inputTokens: opts.promptEstimate });
  }

  chunk(c: ChatChunk): string {
    return this.encoder.push(c);
  }

  /** The cost travels in the x-tollgate-cost trailer only: Anthropic's events have no place for it. */
  finish(usage: TokenCounts): string {
    return this.encoder.finish(usage);
  }

  error(e: GatewayError): string {
    return this.encoder.error(e.message, anthropicErrorType(e.status));
  }
}

export const anthropicDialect: ChatDialect = {
  flavor: 'anthropic',
  response: (resp, usage) => JSON.stringify(chatResponseToMessage(resp, String(resp['model']), usage)),
  createStream: (opts) => new AnthropicStreamWriter(opts),
};
