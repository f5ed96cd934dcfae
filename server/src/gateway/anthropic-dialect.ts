// Canonical OpenAI chat results → Anthropic Messages API answers: the message object for
// non-stream calls, and for streams its event sequence (message_start, content_block_start /
// _delta / _stop per text or tool_use block, message_delta with stop_reason and usage,
// message_stop; `event: error` on failure).
import type { TokenCounts } from '../pricing/ports.js';
import type { ChatChunk, ChatResponse } from './deps.js';
import type { ChatDialect, StreamOptions, StreamWriter } from './dialect.js';
import { anthropicErrorBody, type GatewayError } from './gateway-error.js';

type Obj = Record<string, unknown>;

const STOP_REASONS: Record<string, string> = {
  stop: 'end_turn',
  length: 'max_tokens',
  tool_calls: 'tool_use',
  function_call: 'tool_use',
  content_filter: 'refusal',
};

const stopReason = (finish: unknown): string =>
  typeof finish === 'string' ? (STOP_REASONS[finish] ?? 'end_turn') : 'end_turn';

export function anthropicUsage(u: TokenCounts): Obj {
  return {
    input_tokens: Math.max(0, u.promptTokens - u.cachedTokens - u.cacheWriteTokens),
    output_tokens: u.completionTokens,
    cache_read_input_tokens: u.cachedTokens,
    cache_creation_input_tokens: u.cacheWriteTokens,
  };
}

function parseArgs(s: unknown): unknown {
  if (typeof s !== 'string' || !s) return {};
  try {
    return JSON.parse(s);
  } catch {
    return {};
  }
}

const messageId = (id: unknown): string =>
  typeof id === 'string' && id.startsWith('msg_') ? id : `msg_${String(id ?? '')}`;

export function chatToAnthropicMessage(resp: ChatResponse, usage: TokenCounts): Obj {
  const choice = (resp.choices[0] ?? {}) as Obj;
  const msg = (choice['message'] ?? {}) as Obj;
  const content: Obj[] = [];
  if (typeof msg['content'] === 'string' && msg['content']) content.push({ type: 'text', text: msg['content'] });
  if (Array.isArray(msg['tool_calls'])) {
    for (const tc of msg['tool_calls'] as Obj[]) {
      const fn = (tc['function'] ?? {}) as Obj;
      content.push({
        type: 'tool_use',
        id: String(tc['id']),
        name: String(fn['name']),
        input: parseArgs(fn['arguments']),
      });
    }
  }
  return {
    id: messageId(resp.id),
    type: 'message',
    role: 'assistant',
    model: resp['model'],
    content,
    stop_reason: stopReason(choice['finish_reason']),
    stop_sequence: null,
    usage: anthropicUsage(usage),
  };
}

const event = (type: string, data: Obj): string => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;

class AnthropicStreamWriter implements StreamWriter {
  private started = false;
  /** Index of the open content block, -1 when none. */
  private open = -1;
  private openKind: 'text' | 'tool' | null = null;
  private nextIndex = 0;
  /** OpenAI tool-call index → Anthropic block index. */
  private readonly toolBlocks = new Map<number, number>();
  private stop: string = 'end_turn';

  constructor(private readonly opts: StreamOptions) {}

  private start(id: unknown): string {
    this.started = true;
    return (
      event('message_start', {
        message: {
          id: messageId(id ?? this.opts.requestId),
          type: 'message',
          role: 'assistant',
          model: this.opts.model,
          content: [],
          stop_reason: null,
          stop_sequence: null,
          usage: { input_tokens: this.opts.promptEstimate, output_tokens: 0 },
        },
      }) + event('ping', {})
    );
  }

  private close(): string {
    if (this.open < 0) return '';
    const s = event('content_block_stop', { index: this.open });
    this.open = -1;
    this.openKind = null;
    return s;
  }

  chunk(c: ChatChunk): string {
    let out = this.started ? '' : this.start(c.id);
    for (const ch of c.choices as Obj[]) {
      const d = (ch['delta'] ?? {}) as Obj;
      const text = d['content'];
      if (typeof text === 'string' && text) {
        if (this.openKind !== 'text') {
          out += this.close();
          this.open = this.nextIndex++;
          this.openKind = 'text';
          out += event('content_block_start', { index: this.open, content_block: { type: 'text', text: '' } });
        }
        out += event('content_block_delta', { index: this.open, delta: { type: 'text_delta', text } });
      }
      if (Array.isArray(d['tool_calls'])) {
        for (const tc of d['tool_calls'] as Obj[]) {
          const idx = typeof tc['index'] === 'number' ? tc['index'] : 0;
          const fn = (tc['function'] ?? {}) as Obj;
          let block = this.toolBlocks.get(idx);
          if (block === undefined) {
            out += this.close();
            block = this.nextIndex++;
            this.toolBlocks.set(idx, block);
            this.open = block;
            this.openKind = 'tool';
            out += event('content_block_start', {
              index: block,
              content_block: {
                type: 'tool_use',
                id: String(tc['id'] ?? `toolu_${block}`),
                name: String(fn['name'] ?? ''),
                input: {},
              },
            });
          }
          if (typeof fn['arguments'] === 'string' && fn['arguments'] && block === this.open) {
            out += event('content_block_delta', {
              index: block,
              delta: { type: 'input_json_delta', partial_json: fn['arguments'] },
            });
          }
        }
      }
      if (ch['finish_reason']) this.stop = stopReason(ch['finish_reason']);
    }
    return out;
  }

  finish(usage: TokenCounts): string {
    let out = this.started ? '' : this.start(undefined);
    out += this.close();
    out += event('message_delta', {
      delta: { stop_reason: this.stop, stop_sequence: null },
      usage: anthropicUsage(usage),
    });
    out += event('message_stop', {});
    return out;
  }

  error(e: GatewayError): string {
    return `event: error\ndata: ${anthropicErrorBody(e)}\n\n`;
  }
}

export const anthropicDialect: ChatDialect = {
  flavor: 'anthropic',
  response: (resp, usage) => JSON.stringify(chatToAnthropicMessage(resp, usage)),
  createStream: (opts) => new AnthropicStreamWriter(opts),
};
