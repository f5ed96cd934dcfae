// Anthropic Messages SSE events → canonical chat.completion.chunk objects.
// message_start → role chunk; text_delta → content; tool_use start + input_json_delta → tool_calls
// deltas (OpenAI indexes tool calls separately from content blocks), or content for the
// response_format tool (json-mode.ts); thinking_delta → `reasoning_content` plus a `thinking_blocks`
// piece, signature_delta and redacted_thinking → `thinking_blocks` pieces (LiteLLM's shape, see
// thinking.ts); a tool_use block that streamed no input ends with "{}" as its arguments, as in the
// non-stream answer (a client's JSON.parse of "" fails); message_delta → finish_reason and final
// usage; message_stop → the usage chunk (choices: []) OpenAI sends with include_usage.
import type { ChatChunk, ParseContext, ProviderError, StreamParser, Usage } from '../ports.js';
import { isObject, num, safeParse, setNative, str, type Json } from '../common/json.js';
import { SseDecoder, type SseEvent } from '../common/sse-decoder.js';
import { errorMessageOf } from '../common/upstream-error.js';
import { usageToOpenAI } from '../common/usage.js';
import { anthropicErrorType, statusOfAnthropicErrorType } from './parse-error.js';
import { JSON_TOOL_NAME } from './json-mode.js';
import { finishReasonFromAnthropic, MATCHED_STOP_SEQUENCE, matchedStopSequence } from './stop-reason.js';
import { usageFromAnthropic } from './usage.js';

const RETRYABLE_TYPES = new Set(['overloaded_error', 'api_error', 'rate_limit_error', 'timeout_error']);

class AnthropicStreamParser implements StreamParser {
  private readonly sse = new SseDecoder();
  private id = 'msg_unknown';
  private startUsage: Json = {};
  private finalUsage: Usage | null = null;
  private failure: ProviderError | null = null;
  private done = false;
  /** content block index → OpenAI tool_calls index */
  private readonly toolIndex = new Map<number, number>();
  /** content block index of the response_format tool, whose input is streamed as content */
  private jsonBlock: number | null = null;
  /** tool_use blocks (content block index) that have streamed no input yet → their start input */
  private readonly inputPending = new Map<number, string>();

  constructor(
    private readonly publicModel: string,
    private readonly created: number,
  ) {}

  push(text: string | Uint8Array): ChatChunk[] {
    return this.handle(this.sse.push(text));
  }
  end(): ChatChunk[] {
    return this.handle(this.sse.end());
  }
  usage(): Usage | null {
    return this.finalUsage;
  }
  error(): ProviderError | null {
    return this.failure;
  }
  completed(): boolean {
    return this.done;
  }
  terminated(): boolean {
    return this.done;
  }

  private chunk(delta: Json, finishReason: string | null = null): ChatChunk {
    return {
      id: this.id,
      object: 'chat.completion.chunk',
      created: this.created,
      model: this.publicModel,
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
    };
  }

  private thinkingChunk(thinking: string): ChatChunk {
    return this.chunk({ reasoning_content: thinking, thinking_blocks: [{ type: 'thinking', thinking }] });
  }

  private handle(events: SseEvent[]): ChatChunk[] {
    const out: ChatChunk[] = [];
    for (const ev of events) {
      if (this.done || this.failure) break;
      const data = safeParse(ev.data);
      if (!isObject(data)) {
        this.failure = { status: 502, message: 'upstream sent an invalid stream event', retryable: true };
        break;
      }
      const type = str(data['type']) ?? ev.event;
      this.apply(type, data, ev.data, out);
    }
    return out;
  }

  private apply(type: string | null, data: Json, raw: string, out: ChatChunk[]): void {
    switch (type) {
      case 'message_start': {
        const msg = isObject(data['message']) ? data['message'] : {};
        this.id = str(msg['id']) ?? this.id;
        this.startUsage = isObject(msg['usage']) ? msg['usage'] : {};
        out.push(this.chunk({ role: 'assistant', content: '' }));
        return;
      }
      case 'content_block_start': {
        const block = isObject(data['content_block']) ? data['content_block'] : {};
        if (block['type'] === 'tool_use') {
          // Anthropic sends `input: {}` here and the input as deltas; a tool without parameters
          // gets no (or only empty) deltas.
          this.inputPending.set(num(data['index']), JSON.stringify(isObject(block['input']) ? block['input'] : {}));
        }
        if (block['type'] === 'tool_use' && block['name'] === JSON_TOOL_NAME) {
          this.jsonBlock = num(data['index']);
        } else if (block['type'] === 'tool_use') {
          const idx = this.toolIndex.size;
          this.toolIndex.set(num(data['index']), idx);
          out.push(
            this.chunk({
              tool_calls: [
                {
                  index: idx,
                  id: str(block['id']) ?? '',
                  type: 'function',
                  function: { name: str(block['name']) ?? '', arguments: '' },
                },
              ],
            }),
          );
        } else if (block['type'] === 'text' && typeof block['text'] === 'string' && block['text'].length > 0) {
          out.push(this.chunk({ content: block['text'] }));
        } else if (
          block['type'] === 'thinking' &&
          typeof block['thinking'] === 'string' &&
          block['thinking'].length > 0
        ) {
          out.push(this.thinkingChunk(block['thinking']));
        } else if (block['type'] === 'redacted_thinking') {
          out.push(this.chunk({ thinking_blocks: [{ type: 'redacted_thinking', data: str(block['data']) ?? '' }] }));
        }
        return;
      }
      case 'content_block_delta': {
        const delta = isObject(data['delta']) ? data['delta'] : {};
        if (delta['type'] === 'text_delta') {
          out.push(this.chunk({ content: str(delta['text']) ?? '' }));
        } else if (delta['type'] === 'input_json_delta') {
          const partial = str(delta['partial_json']) ?? '';
          if (partial.length === 0) return;
          this.inputPending.delete(num(data['index']));
          this.inputText(num(data['index']), partial, out);
        } else if (delta['type'] === 'thinking_delta') {
          const thinking = str(delta['thinking']) ?? '';
          if (thinking.length > 0) out.push(this.thinkingChunk(thinking));
        } else if (delta['type'] === 'signature_delta') {
          const signature = str(delta['signature']) ?? '';
          out.push(this.chunk({ thinking_blocks: [{ type: 'thinking', thinking: '', signature }] }));
        }
        // citations_delta: no Chat Completions equivalent.
        return;
      }
      case 'content_block_stop': {
        this.closeInput(num(data['index']), out);
        return;
      }
      case 'message_delta': {
        const delta = isObject(data['delta']) ? data['delta'] : {};
        // Servers that skip content_block_stop: no tool call may finish with "" as its arguments.
        for (const blockIndex of [...this.inputPending.keys()]) this.closeInput(blockIndex, out);
        // message_delta usage is cumulative; its input fields, when present, supersede message_start's.
        // With no usage anywhere (some Anthropic-compatible servers) usage() stays null, so the
        // gateway counts with the tokenizer instead of recording zero tokens.
        if (isObject(data['usage']) || Object.keys(this.startUsage).length > 0) {
          const merged: Json = { ...this.startUsage };
          const u = isObject(data['usage']) ? data['usage'] : {};
          for (const [k, v] of Object.entries(u)) if (v !== null && v !== undefined) merged[k] = v;
          this.finalUsage = usageFromAnthropic(merged);
        }
        if (delta['stop_reason'] != null) {
          // Only the response_format tool was called: a finished answer, not a tool call.
          const jsonOnly = this.jsonBlock !== null && this.toolIndex.size === 0;
          const last = this.chunk({}, jsonOnly ? 'stop' : finishReasonFromAnthropic(delta['stop_reason']));
          const matched = matchedStopSequence(delta['stop_reason'], delta['stop_sequence']);
          if (matched !== undefined) setNative(last.choices[0]!, MATCHED_STOP_SEQUENCE, matched);
          out.push(last);
        }
        return;
      }
      case 'message_stop': {
        this.done = true;
        if (this.finalUsage) {
          out.push({
            id: this.id,
            object: 'chat.completion.chunk',
            created: this.created,
            model: this.publicModel,
            choices: [],
            usage: usageToOpenAI(this.finalUsage),
          });
        }
        return;
      }
      case 'error': {
        const errType = anthropicErrorType(raw);
        this.failure = {
          status: statusOfAnthropicErrorType(errType),
          message: errorMessageOf(raw),
          retryable: errType !== undefined && RETRYABLE_TYPES.has(errType),
        };
        return;
      }
      default:
        return; // ping and future event types carry nothing to forward
    }
  }

  /** Input JSON of a tool_use block: content for the response_format tool, else tool-call arguments. */
  private inputText(blockIndex: number, text: string, out: ChatChunk[]): void {
    if (blockIndex === this.jsonBlock) {
      out.push(this.chunk({ content: text }));
      return;
    }
    const idx = this.toolIndex.get(blockIndex);
    if (idx !== undefined) out.push(this.chunk({ tool_calls: [{ index: idx, function: { arguments: text } }] }));
  }

  /** A tool_use block ended: if it streamed no input, its start input ("{}") is the whole input. */
  private closeInput(blockIndex: number, out: ChatChunk[]): void {
    const input = this.inputPending.get(blockIndex);
    if (input === undefined) return;
    this.inputPending.delete(blockIndex);
    this.inputText(blockIndex, input, out);
  }
}

export function createAnthropicStreamParser(publicModel: string, ctx?: ParseContext): StreamParser {
  return new AnthropicStreamParser(publicModel, ctx?.created ?? 0);
}
