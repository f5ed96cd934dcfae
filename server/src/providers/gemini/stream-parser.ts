// Gemini streamGenerateContent?alt=sse → canonical chunks. Each SSE event is a whole
// GenerateContentResponse holding the next piece of every candidate; usageMetadata is cumulative
// (the last one wins). Gemini has no terminator event: a finishReason marks completion, and the
// usage chunk is emitted when the body ends. The event that finishes the last candidate carries
// the final usageMetadata, so once every candidate has finished and usage was seen with or after
// that, nothing more will come: terminated(), and the relay stops reading there instead of waiting
// for the body's end (an upstream that keeps the connection open must not time the answer out).
// Only that usage is the provider's word: earlier ones are running totals (the first often has
// promptTokenCount alone), so a stream cut short or left by the client reports no usage and the
// relay counts what it relayed with the tokenizer instead of billing 0 completion tokens.
import type { ChatChunk, ParseContext, ProviderError, StreamParser, Usage } from '../ports.js';
import { arr, isObject, num, safeParse, str, type Json } from '../common/json.js';
import { SseDecoder, type SseEvent } from '../common/sse-decoder.js';
import { errorMessageOf, isRetryableStatus } from '../common/upstream-error.js';
import { usageToOpenAI } from '../common/usage.js';
import { finishReasonFromGemini, openAIToolCall, readCandidate, usageFromGemini } from './candidate.js';

class GeminiStreamParser implements StreamParser {
  private readonly sse = new SseDecoder();
  private id = 'gemini-unknown';
  /** the latest usageMetadata; final only once `final` is set */
  private lastUsage: Usage | null = null;
  private failure: ProviderError | null = null;
  private finished = false;
  private usageSent = false;
  /** per candidate index: tool calls so far (OpenAI numbers them per choice) */
  private readonly callCount = new Map<number, number>();
  private readonly started = new Set<number>();
  private readonly finishedIdx = new Set<number>();
  private final = false;

  constructor(
    private readonly publicModel: string,
    private readonly created: number,
  ) {}

  push(text: string | Uint8Array): ChatChunk[] {
    return this.handle(this.sse.push(text));
  }
  end(): ChatChunk[] {
    const out = this.handle(this.sse.end());
    const usage = this.usage();
    if (usage && !this.usageSent && !this.failure) {
      this.usageSent = true;
      out.push({
        id: this.id,
        object: 'chat.completion.chunk',
        created: this.created,
        model: this.publicModel,
        choices: [],
        usage: usageToOpenAI(usage),
      });
    }
    return out;
  }
  usage(): Usage | null {
    return this.final ? this.lastUsage : null;
  }
  error(): ProviderError | null {
    return this.failure;
  }
  completed(): boolean {
    return this.finished;
  }
  terminated(): boolean {
    return this.final;
  }

  private handle(events: SseEvent[]): ChatChunk[] {
    const out: ChatChunk[] = [];
    for (const ev of events) {
      if (this.failure) break;
      const parsed = safeParse(ev.data);
      const data = Array.isArray(parsed) ? parsed[0] : parsed;
      if (!isObject(data)) {
        this.failure = { status: 502, message: 'upstream sent an invalid stream event', retryable: true };
        break;
      }
      if (isObject(data['error'])) {
        const status = num(data['error']['code']) || 502;
        this.failure = { status, message: errorMessageOf(ev.data), retryable: isRetryableStatus(status) };
        break;
      }
      this.id = str(data['responseId']) ?? this.id;
      const u = usageFromGemini(data['usageMetadata']);
      if (u) this.lastUsage = u;
      for (const [i, c] of arr(data['candidates']).entries()) {
        if (isObject(c)) out.push(this.chunkOf(c, i));
      }
      if (u && this.started.size > 0 && this.finishedIdx.size === this.started.size) this.final = true;
    }
    return out;
  }

  private chunkOf(cand: Json, position: number): ChatChunk {
    const index = typeof cand['index'] === 'number' ? cand['index'] : position;
    const before = this.callCount.get(index) ?? 0;
    const piece = readCandidate(cand, `call_${this.id}_${index}_`, before);
    const delta: Json = {};
    if (!this.started.has(index)) {
      this.started.add(index);
      delta['role'] = 'assistant';
    }
    if (piece.hasText) delta['content'] = piece.text;
    if (piece.calls.length > 0) {
      // Gemini sends each function call whole, so one delta carries id, name, all arguments and the
      // thought signature.
      delta['tool_calls'] = piece.calls.map((c, k) => ({ index: before + k, ...openAIToolCall(c) }));
      this.callCount.set(index, before + piece.calls.length);
    }
    const finish = finishReasonFromGemini(cand['finishReason'], (this.callCount.get(index) ?? 0) > 0);
    if (finish) {
      this.finished = true;
      this.finishedIdx.add(index);
    }
    return {
      id: this.id,
      object: 'chat.completion.chunk',
      created: this.created,
      model: this.publicModel,
      choices: [{ index, delta, logprobs: null, finish_reason: finish }],
    };
  }
}

export function createGeminiStreamParser(publicModel: string, ctx?: ParseContext): StreamParser {
  return new GeminiStreamParser(publicModel, ctx?.created ?? 0);
}
