// OpenAI SSE stream → canonical chunks. The chunks already are canonical; the parser's work is
// framing (shared SseDecoder), the `[DONE]` terminator, error objects sent mid-stream, hiding the
// upstream model name and remembering the final usage chunk.
import type { ChatChunk, ProviderError, StreamParser, Usage } from '../ports.js';
import { isObject, safeParse } from '../common/json.js';
import { SseDecoder, type SseEvent } from '../common/sse-decoder.js';
import { errorMessageOf, isRetryableStatus } from '../common/upstream-error.js';
import { usageFromOpenAI } from '../common/usage.js';

class OpenAIStreamParser<C extends Record<string, unknown>> implements StreamParser<C> {
  private readonly sse = new SseDecoder();
  private usageSeen: Usage | null = null;
  private failure: ProviderError | null = null;
  private done = false;
  /** A choice finished: servers that omit `[DONE]` (some OpenAI-compatible ones) still completed. */
  private finished = false;

  constructor(
    private readonly publicModel: string,
    private readonly object: string,
  ) {}

  push(text: string | Uint8Array): C[] {
    return this.handle(this.sse.push(text));
  }

  end(): C[] {
    return this.handle(this.sse.end());
  }

  usage(): Usage | null {
    return this.usageSeen;
  }

  error(): ProviderError | null {
    return this.failure;
  }

  completed(): boolean {
    return this.done || this.finished;
  }
  terminated(): boolean {
    return this.done;
  }

  private handle(events: SseEvent[]): C[] {
    const out: C[] = [];
    for (const ev of events) {
      if (this.done || this.failure) break;
      const data = ev.data.trim();
      if (data === '[DONE]') {
        this.done = true;
        break;
      }
      if (data === '') continue;
      const parsed = safeParse(data);
      if (!isObject(parsed)) {
        // `retryable` says the failure is transient; the gateway retries only while nothing has
        // reached the client yet.
        this.failure = { status: 502, message: 'upstream sent an invalid stream event', retryable: true };
        break;
      }
      if (ev.event === 'error' || parsed['error'] !== undefined) {
        const status =
          isObject(parsed['error']) && typeof parsed['error']['code'] === 'number' ? parsed['error']['code'] : 502;
        this.failure = { status, message: errorMessageOf(data), retryable: isRetryableStatus(status) };
        break;
      }
      const u = usageFromOpenAI(parsed['usage']);
      if (u) this.usageSeen = u;
      const chunk = { ...parsed, object: this.object, model: this.publicModel } as unknown as C;
      const choices = chunk['choices'];
      if (!Array.isArray(choices)) (chunk as Record<string, unknown>)['choices'] = [];
      else if (!this.finished) {
        for (const c of choices) if (isObject(c) && c['finish_reason'] != null) this.finished = true;
      }
      out.push(chunk);
    }
    return out;
  }
}

export function createOpenAIStreamParser(publicModel: string): StreamParser<ChatChunk> {
  return new OpenAIStreamParser<ChatChunk>(publicModel, 'chat.completion.chunk');
}

/** Legacy /v1/completions streams: same framing, `text_completion` objects. */
export function createOpenAICompletionsStreamParser(publicModel: string): StreamParser<Record<string, unknown>> {
  return new OpenAIStreamParser<Record<string, unknown>>(publicModel, 'text_completion');
}
