// OpenAI's chat wire format back to the client: responses pass through as parsed; stream chunks are
// re-serialised as `data: {…}\n\n` and end with `data: [DONE]`. Tollgate always asks the upstream
// for usage; the usage-only chunk is withheld unless the client asked for it
// (stream_options.include_usage), and when it did, that chunk also carries
// `"tollgate": {"cost": "<decimal>"}` — the stream's charged cost, since response headers left
// before it was known (it is also sent as the HTTP trailer x-tollgate-cost).
import type { TokenCounts } from '../pricing/ports.js';
import type { ChatChunk, ChatResponse } from './deps.js';
import type { ChatDialect, StreamOptions, StreamWriter } from './dialect.js';
import { openAiErrorBody, type GatewayError } from './gateway-error.js';

export function openAiUsage(u: TokenCounts): Record<string, unknown> {
  const usage: Record<string, unknown> = {
    prompt_tokens: u.promptTokens,
    completion_tokens: u.completionTokens,
    total_tokens: u.promptTokens + u.completionTokens,
  };
  if (u.cachedTokens) usage['prompt_tokens_details'] = { cached_tokens: u.cachedTokens };
  if (u.reasoningTokens) usage['completion_tokens_details'] = { reasoning_tokens: u.reasoningTokens };
  return usage;
}

class OpenAiStreamWriter implements StreamWriter {
  private held: ChatChunk | null = null;
  private last: ChatChunk | null = null;
  constructor(private readonly opts: StreamOptions) {}

  chunk(c: ChatChunk): string {
    this.last = c;
    if (c.usage) {
      if (c.choices.length === 0) {
        this.held = c;
        return '';
      }
      if (!this.opts.includeUsage) c.usage = undefined;
    } else if (!this.opts.includeUsage && c.usage === null) {
      c.usage = undefined;
    }
    return `data: ${JSON.stringify(c)}\n\n`;
  }

  finish(usage: TokenCounts, cost: string): string {
    if (!this.opts.includeUsage) return 'data: [DONE]\n\n';
    const base = this.held ?? this.last;
    const final = {
      id: base?.id ?? this.opts.requestId,
      object: 'chat.completion.chunk',
      created: base?.['created'] ?? Math.floor(Date.now() / 1000),
      model: base?.['model'] ?? this.opts.model,
      choices: [],
      usage: this.held?.usage ?? openAiUsage(usage),
      tollgate: { cost },
    };
    return `data: ${JSON.stringify(final)}\n\ndata: [DONE]\n\n`;
  }

  error(e: GatewayError): string {
    return `data: ${openAiErrorBody(e)}\n\n`;
  }
}

export const openAiDialect: ChatDialect = {
  flavor: 'openai',
  response: (resp: ChatResponse) => JSON.stringify(resp),
  createStream: (opts) => new OpenAiStreamWriter(opts),
};
