// Upstream stream bytes → the client's SSE text, with what the relay must observe on the way:
// the first output token (TTFT), provider usage, an error frame, whether the stream completed,
// and what was produced (tokenizer fallback). The general transcoder parses every frame with the
// adapter's parser and renders it with the client dialect's writer; openai-passthrough.ts is the
// fast one for OpenAI-format upstreams talking to OpenAI clients.
import type { ProviderError, StreamParser } from '../providers/ports.js';
import type { ChatChunk, Usage } from './deps.js';
import type { StreamWriter } from './dialect.js';
import { CompletionTally } from './estimate.js';
import type { GatewayError } from './gateway-error.js';

export interface StreamTranscoder {
  /** Client text for one piece of the upstream body ('' when there is nothing to send yet). */
  push(part: Uint8Array | string): string;
  /** End of the upstream body: client text for whatever was still buffered. */
  end(): string;
  /** True once a chunk carrying output (content, tool call, reasoning, legacy text) went through. */
  sawOutput(): boolean;
  usage(): Usage | null;
  error(): ProviderError | null;
  /** The provider's end-of-stream marker was seen ([DONE], message_stop, a finish reason). */
  completed(): boolean;
  /** The provider's final marker was seen ([DONE], message_stop): stop reading the upstream. */
  terminated(): boolean;
  /** Tokenizer count of the output so far (only asked when the provider reported no usage). */
  producedTokens(model: string): number;
  /** Closing text of a successful stream (usage/cost chunk, [DONE] / message_stop). */
  finish(usage: Usage, cost: string): string;
  /** An SSE error event for a stream that failed after it started. */
  fail(e: GatewayError): string;
}

/** Content, a tool call or reasoning (chat) or text (legacy completions): output was produced. */
export function hasOutput(c: ChatChunk): boolean {
  const ch = c.choices as Record<string, unknown>[];
  for (let i = 0; i < ch.length; i++) {
    const choice = ch[i];
    if (!choice) continue;
    if (choice['text']) return true;
    const d = choice['delta'] as Record<string, unknown> | undefined;
    if (d && (d['content'] || d['tool_calls'] || d['reasoning_content'] || d['thinking_blocks'] || d['refusal']))
      return true;
  }
  return false;
}

/** Every frame parsed into canonical chunks, every chunk rendered by the client's writer. */
export class ParsedTranscoder implements StreamTranscoder {
  private readonly produced = new CompletionTally();
  private output = false;

  constructor(
    private readonly parser: StreamParser<ChatChunk>,
    private readonly writer: StreamWriter,
  ) {}

  push(part: Uint8Array | string): string {
    return this.render(this.parser.push(part));
  }

  end(): string {
    return this.render(this.parser.end());
  }

  private render(chunks: ChatChunk[]): string {
    let out = '';
    for (const c of chunks) {
      if (!this.output && hasOutput(c)) this.output = true;
      // Kept as references only, to count tokens should the provider never report usage.
      this.produced.add(c);
      out += this.writer.chunk(c);
    }
    return out;
  }

  sawOutput(): boolean {
    return this.output;
  }
  usage(): Usage | null {
    return this.parser.usage();
  }
  error(): ProviderError | null {
    return this.parser.error();
  }
  completed(): boolean {
    return this.parser.completed ? this.parser.completed() : true;
  }
  terminated(): boolean {
    return this.parser.terminated?.() ?? false;
  }
  producedTokens(model: string): number {
    return this.produced.tokens(model);
  }
  finish(usage: Usage, cost: string): string {
    return this.writer.finish(usage, cost);
  }
  fail(e: GatewayError): string {
    return this.writer.error(e);
  }
}

/** OpenAI-format upstreams speak the client's format already (see openai-passthrough.ts). */
export const speaksOpenAiStream = (adapterType: string): boolean =>
  adapterType === 'openai' || adapterType === 'azure-openai';
