// Token estimates the gateway needs, built on the providers' offline tokenizer:
//  - before the call (hot path, no BPE): the prompt's fast upper-bound-ish estimate for the
//    reservation and the rate limiter, and the output cap the reservation assumes;
//  - after the call, only when the provider reported no usage: BPE counts of prompt and output,
//    recorded as usage_source "estimated".
import {
  estimateInputTokens,
  estimateInputTokensFast,
  estimatePromptTokens,
  estimatePromptTokensFast,
} from '../providers/tokenizer/index.js';
import type { ChatRequest, Usage } from './deps.js';

export { CompletionTally, estimateResponseCompletionTokens } from '../providers/tokenizer/index.js';

/** Reservation estimate of a chat prompt (no tokenizer on the hot path). */
export const estimateChatPromptTokens = (req: ChatRequest): number => estimatePromptTokensFast(req);

/** Reservation estimate of embeddings `input` / completions `prompt` (at least 1). */
export const estimateInputTokensQuick = (input: unknown): number => Math.max(1, estimateInputTokensFast(input));

/** The output cap the request names (max_completion_tokens, else max_tokens), or null. */
export function requestedOutputTokens(req: Record<string, unknown>): number | null {
  const a = req['max_completion_tokens'];
  if (typeof a === 'number' && a > 0) return a;
  const b = req['max_tokens'];
  if (typeof b === 'number' && b > 0) return b;
  return null;
}

const usageOf = (promptTokens: number, completionTokens: number): Usage => ({
  promptTokens,
  completionTokens,
  cachedTokens: 0,
  cacheWriteTokens: 0,
  reasoningTokens: 0,
});

/** Tokenizer-counted usage of a chat call whose provider reported none. */
export function estimateChatUsage(model: string, chat: ChatRequest, completionTokens: number): Usage {
  return usageOf(estimatePromptTokens(chat, model), completionTokens);
}

/** Tokenizer-counted usage of an embeddings / completions call whose provider reported none. */
export function estimateInputUsage(model: string, input: unknown, completionTokens: number): Usage {
  return usageOf(estimateInputTokens(input, model), completionTokens);
}
