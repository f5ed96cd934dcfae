// OpenAI usage objects ⇄ Tollgate's normalised token counts. OpenAI's convention is the canonical
// one: cached and cache-write tokens are part of prompt_tokens, reasoning part of completion_tokens.
import type { OpenAIUsage, Usage } from '../ports.js';
import { isObject, num } from './json.js';

export function usageFromOpenAI(u: unknown): Usage | null {
  if (!isObject(u)) return null;
  const pd = isObject(u['prompt_tokens_details']) ? u['prompt_tokens_details'] : {};
  const cd = isObject(u['completion_tokens_details']) ? u['completion_tokens_details'] : {};
  // Legacy embeddings/completions servers sometimes send only total_tokens or input_tokens.
  const prompt = num(u['prompt_tokens'] ?? u['input_tokens']);
  return {
    promptTokens: prompt,
    completionTokens: num(u['completion_tokens'] ?? u['output_tokens']),
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
