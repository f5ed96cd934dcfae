// Counting what a stream produced when the provider reports no usage (or the stream was cut):
// the gateway feeds every chunk it forwards, and asks for the token count at the end. Text is kept
// as pieces and joined once, so feeding stays O(1) per chunk.
import type { ChatChunk, ChatResponse } from '../ports.js';
import { countTextTokens } from './encoder.js';

/** Per tool call: name + arguments, as the model generated them. */
const PER_TOOL_CALL = 3;

export class CompletionTally {
  private readonly pieces: string[] = [];
  private toolCalls = 0;

  add(chunk: ChatChunk | Record<string, unknown>): void {
    const choices = chunk['choices'];
    if (!Array.isArray(choices)) return;
    for (const c of choices) {
      if (typeof c !== 'object' || c === null) continue;
      const choice = c as Record<string, unknown>;
      if (typeof choice['text'] === 'string') this.pieces.push(choice['text']); // legacy completions
      const delta = choice['delta'] as Record<string, unknown> | undefined;
      if (!delta || typeof delta !== 'object') continue;
      if (typeof delta['content'] === 'string') this.pieces.push(delta['content']);
      if (typeof delta['reasoning_content'] === 'string') this.pieces.push(delta['reasoning_content']);
      if (Array.isArray(delta['tool_calls'])) {
        for (const tc of delta['tool_calls']) {
          const t = tc as Record<string, unknown>;
          if (typeof t['id'] === 'string') this.toolCalls++;
          const fn = t['function'] as Record<string, unknown> | undefined;
          if (fn && typeof fn['name'] === 'string') this.pieces.push(fn['name']);
          if (fn && typeof fn['arguments'] === 'string') this.pieces.push(fn['arguments']);
        }
      }
    }
  }

  text(): string {
    return this.pieces.join('');
  }

  tokens(model?: string): number {
    return countTextTokens(this.text(), model) + this.toolCalls * PER_TOOL_CALL;
  }
}

export function estimateCompletionTokens(text: string, model?: string): number {
  return countTextTokens(text, model);
}

/** Completion tokens of a whole (non-stream) response that came without usage. */
export function estimateResponseCompletionTokens(response: ChatResponse, model?: string): number {
  const tally = new CompletionTally();
  for (const c of response.choices) {
    const msg = (c as Record<string, unknown> | null)?.['message'];
    if (msg && typeof msg === 'object') tally.add({ choices: [{ delta: msg }] });
  }
  return tally.tokens(model);
}
