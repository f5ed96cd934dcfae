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
import { THINKING_BUDGETS } from '../providers/anthropic/thinking.js';
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

/**
 * Output tokens a request may spend thinking on top of its answer when it sets no output cap
 * (a cap includes the thinking): a `thinking` object's `budget_tokens`, else the budget its
 * `reasoning_effort` maps to. Added to the default output allowance so the reservation stays an
 * upper bound (the Anthropic adapter sends max_tokens = budget + its default in that case).
 */
export function thinkingAllowance(req: Record<string, unknown>): number {
  const thinking = req['thinking'] as Record<string, unknown> | undefined;
  if (thinking && typeof thinking === 'object' && thinking['type'] !== 'disabled') {
    const budget = thinking['budget_tokens'];
    return typeof budget === 'number' && budget > 0 ? budget : 0;
  }
  const effort = req['reasoning_effort'];
  return typeof effort === 'string' ? (THINKING_BUDGETS[effort] ?? 0) : 0;
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
