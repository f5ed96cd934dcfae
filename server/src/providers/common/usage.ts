// OpenAI usage objects ⇄ Tollgate's normalised token counts. OpenAI's convention is the canonical
// one: cached and cache-write tokens are part of prompt_tokens, reasoning part of completion_tokens.
import type { OpenAIUsage, Usage } from '../ports.js';
import { isObject, num, type Json } from './json.js';

/** A token count the object gives, or null when it gives none (absent, null, not a number). */
function countOf(u: Json, key: string, alternative?: string): number | null {
  const v = u[key];
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  return alternative === undefined ? null : countOf(u, alternative);
}

/** Null when the object reports no tokens at all (`{}`, only details, all zero): the caller then
 *  counts with the tokenizer, since a call that produced tokens is never recorded at zero cost. */
export function usageFromOpenAI(u: unknown): Usage | null {
  if (!isObject(u)) return null;
  const pd = isObject(u['prompt_tokens_details']) ? u['prompt_tokens_details'] : {};
  const cd = isObject(u['completion_tokens_details']) ? u['completion_tokens_details'] : {};
  const completion = countOf(u, 'completion_tokens', 'output_tokens') ?? 0;
  // Legacy embeddings/completions servers sometimes send only total_tokens or input_tokens (or a
  // prompt_tokens of 0 beside a real total).
  const given = countOf(u, 'prompt_tokens', 'input_tokens');
  const prompt =
    given !== null && given + completion > 0 ? given : Math.max(0, (countOf(u, 'total_tokens') ?? 0) - completion);
  if (prompt + completion <= 0) return null;
  return {
    promptTokens: prompt,
    completionTokens: completion,
    cachedTokens: num(pd['cached_tokens']),
    cacheWriteTokens: num(pd['cache_write_tokens']),
    reasoningTokens: num(cd['reasoning_tokens']),
  };
}

export function usageToOpenAI(u: Usage): OpenAIUsage {
  const out: OpenAIUsage = {
    prompt_tokens: u.promptTokens,
    completion_tokens: u.completionTokens,
    total_tokens: u.promptTokens + u.completionTokens,
  };
  if (u.cachedTokens > 0 || u.cacheWriteTokens > 0) {
    out.prompt_tokens_details = { cached_tokens: u.cachedTokens };
    if (u.cacheWriteTokens > 0) out.prompt_tokens_details.cache_write_tokens = u.cacheWriteTokens;
  }
  if (u.reasoningTokens > 0) out.completion_tokens_details = { reasoning_tokens: u.reasoningTokens };
  return out;
}
