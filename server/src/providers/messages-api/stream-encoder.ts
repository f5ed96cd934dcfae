// Canonical chunk stream → Anthropic Messages SSE events, as @anthropic-ai/sdk's MessageStream
// consumes them: message_start, then per content block content_block_start / *_delta /
// content_block_stop (thinking, redacted_thinking, text and tool_use blocks, strictly one open at a
// time), then message_delta (stop_reason + usage) and message_stop. Stateful: one encoder per
// response stream. Thinking comes as LiteLLM's delta fields (anthropic/thinking.ts): pieces of
// `thinking_blocks` when present (text, then the signature that closes a block), else
// `reasoning_content` alone (other upstreams; the block then has an empty signature).
import type { ChatChunk, Usage } from '../ports.js';
import { isObject, str, type Json } from '../common/json.js';
import { usageFromOpenAI } from '../common/usage.js';
import { anthropicUsageOf, messageIdOf, stopOf } from './to-messages-response.js';

export interface AnthropicEvent {
  type: string;
  [k: string]: unknown;
}

export function formatSseEvent(ev: AnthropicEvent): string {
  return `event: ${ev.type}\ndata: ${JSON.stringify(ev)}\n\n`;
}

export interface MessagesStreamOptions {
  model: string;
  /** Message id when known before the first chunk (else taken from the first chunk). */
  id?: string;
  /** Prompt-token estimate for message_start (the exact count follows in message_delta). */
  inputTokens?: number;
}

export class MessagesStreamEncoder {
  private started = false;
  private blockIndex = -1;
  private open:
    | { kind: 'text' }
    | { kind: 'tool'; toolIndex: number }
    | { kind: 'thinking'; signed: boolean }
    | { kind: 'redacted' }
    | null = null;
  /** The choice that carried the finish reason (and, from an Anthropic upstream, the stop sequence). */
  private finishing: object = { finish_reason: null };
  private usageSeen: Usage | null = null;
  private ended = false;
  private id: string | undefined;

  constructor(private readonly opts: MessagesStreamOptions) {
    this.id = opts.id;
  }

  /** Events for one chunk (empty when it carries nothing Anthropic has a place for). */
  events(chunk: ChatChunk): AnthropicEvent[] {
    const out: AnthropicEvent[] = [];
    if (this.ended) return out;
    this.id ??= chunk.id;
    this.start(out);
    const u = usageFromOpenAI(chunk.usage);
    if (u) this.usageSeen = u;
    const choice = chunk.choices.find((c) => isObject(c) && (c['index'] ?? 0) === 0);
    if (!isObject(choice)) return out;
    const delta = isObject(choice['delta']) ? choice['delta'] : {};
    if (Array.isArray(delta['thinking_blocks'])) {
      for (const b of delta['thinking_blocks']) if (isObject(b)) this.thinkingBlockDelta(out, b);
    } else if (typeof delta['reasoning_content'] === 'string' && delta['reasoning_content'].length > 0) {
      this.thinkingText(out, delta['reasoning_content']);
    }
    const text = delta['content'];
    if (typeof text === 'string' && text.length > 0) {
      if (this.open?.kind !== 'text') this.openBlock(out, { kind: 'text' }, { type: 'text', text: '' });
      out.push({ type: 'content_block_delta', index: this.blockIndex, delta: { type: 'text_delta', text } });
    }
    if (Array.isArray(delta['tool_calls'])) {
      for (const tc of delta['tool_calls']) if (isObject(tc)) this.toolDelta(out, tc);
    }
    if (choice['finish_reason'] != null) this.finishing = choice;
    return out;
  }

  /** Closing events; `usage` overrides what the chunks reported (e.g. a tokenizer estimate). */
  finishEvents(usage?: Usage | null): AnthropicEvent[] {
    const out: AnthropicEvent[] = [];
    if (this.ended) return out;
    this.start(out);
    this.closeBlock(out);
    this.ended = true;
    const u = anthropicUsageOf(usage ?? this.usageSeen);
    out.push({
      type: 'message_delta',
      delta: stopOf(this.finishing),
      usage: u,
    });
    out.push({ type: 'message_stop' });
    return out;
  }

  /** An error event (the Anthropic SDK throws an APIError of this type); ends the stream. */
  errorEvent(message: string, type = 'api_error'): AnthropicEvent {
    this.ended = true;
    return { type: 'error', error: { type, message } };
  }

  push(chunk: ChatChunk): string {
    return this.events(chunk).map(formatSseEvent).join('');
  }
  finish(usage?: Usage | null): string {
    return this.finishEvents(usage).map(formatSseEvent).join('');
  }
  error(message: string, type?: string): string {
    return formatSseEvent(this.errorEvent(message, type));
  }

  private start(out: AnthropicEvent[]): void {
    if (this.started) return;
    this.started = true;
    out.push({
      type: 'message_start',
      message: {
        id: messageIdOf(this.id ?? 'tollgate'),
        type: 'message',
        role: 'assistant',
        model: this.opts.model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { input_tokens: this.opts.inputTokens ?? 0, output_tokens: 0 },
      },
    });
  }

  private openBlock(out: AnthropicEvent[], open: NonNullable<MessagesStreamEncoder['open']>, block: Json): void {
    this.closeBlock(out);
    this.blockIndex++;
    this.open = open;
    out.push({ type: 'content_block_start', index: this.blockIndex, content_block: block });
  }

  private closeBlock(out: AnthropicEvent[]): void {
    if (!this.open) return;
    out.push({ type: 'content_block_stop', index: this.blockIndex });
    this.open = null;
  }

  private thinkingBlockDelta(out: AnthropicEvent[], b: Json): void {
    if (b['type'] === 'redacted_thinking') {
      this.openBlock(out, { kind: 'redacted' }, { type: 'redacted_thinking', data: str(b['data']) ?? '' });
      return;
    }
    if (b['type'] !== 'thinking') return;
    const text = str(b['thinking']);
    if (text) this.thinkingText(out, text);
    const signature = str(b['signature']);
    if (!signature) return;
    if (this.open?.kind !== 'thinking' || this.open.signed) this.openThinking(out);
    out.push({ type: 'content_block_delta', index: this.blockIndex, delta: { type: 'signature_delta', signature } });
    this.open = { kind: 'thinking', signed: true };
  }

  /** Thinking text continues the open thinking block until its signature has closed it. */
  private thinkingText(out: AnthropicEvent[], thinking: string): void {
    if (this.open?.kind !== 'thinking' || this.open.signed) this.openThinking(out);
    out.push({ type: 'content_block_delta', index: this.blockIndex, delta: { type: 'thinking_delta', thinking } });
  }

  private openThinking(out: AnthropicEvent[]): void {
    this.openBlock(out, { kind: 'thinking', signed: false }, { type: 'thinking', thinking: '', signature: '' });
  }

  private toolDelta(out: AnthropicEvent[], tc: Json): void {
    const toolIndex = typeof tc['index'] === 'number' ? tc['index'] : 0;
    const fn = isObject(tc['function']) ? tc['function'] : {};
    const isCurrent = this.open?.kind === 'tool' && this.open.toolIndex === toolIndex;
    if (!isCurrent) {
      // A new call starts (OpenAI sends id + name first). Argument pieces for a call whose block
      // was already closed cannot be placed in Anthropic's sequential blocks and are dropped.
      if (typeof tc['id'] !== 'string') return;
      this.openBlock(
        out,
        { kind: 'tool', toolIndex },
        { type: 'tool_use', id: tc['id'], name: str(fn['name']) ?? '', input: {} },
      );
    }
    const args = str(fn['arguments']);
    if (args)
      out.push({
        type: 'content_block_delta',
        index: this.blockIndex,
        delta: { type: 'input_json_delta', partial_json: args },
      });
  }
}
