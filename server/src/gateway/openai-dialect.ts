// OpenAI's chat (and legacy completions) wire format back to the client: responses pass through as parsed; stream chunks are
// re-serialised as `data: {…}\n\n` and end with `data: [DONE]`. Tollgate always asks the upstream
// for usage; the usage-only chunk is withheld unless the client asked for it
// (stream_options.include_usage), and when it did, that chunk also carries
// `"tollgate": {"cost": "<decimal>"}` — the stream's charged cost, since response headers left
// before it was known (it is also sent as the HTTP trailer x-tollgate-cost).
import { usageToOpenAI } from '../providers/common/usage.js';
import type { TokenCounts } from '../pricing/ports.js';
import type { ChatChunk, ChatResponse } from './deps.js';
import type { ChatDialect, StreamOptions, StreamWriter } from './dialect.js';
import { openAiErrorBody, type GatewayError } from './gateway-error.js';

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
      object: this.opts.object ?? 'chat.completion.chunk',
      created: base?.['created'] ?? this.opts.created,
      model: base?.['model'] ?? this.opts.model,
      choices: [],
      usage: this.held?.usage ?? usageToOpenAI(usage),
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
