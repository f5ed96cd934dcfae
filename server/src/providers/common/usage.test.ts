import { describe, expect, it } from 'vitest';
import { usageFromOpenAI, usageToOpenAI } from './usage.js';

const counts = (promptTokens: number, completionTokens: number) => ({
  promptTokens,
  completionTokens,
  cachedTokens: 0,
  cacheWriteTokens: 0,
  reasoningTokens: 0,
});

describe('usageFromOpenAI', () => {
  it('reads OpenAI usage with cached and reasoning details', () => {
    expect(
      usageFromOpenAI({
        prompt_tokens: 100,
        completion_tokens: 20,
        total_tokens: 120,
        prompt_tokens_details: { cached_tokens: 64, cache_write_tokens: 8 },
        completion_tokens_details: { reasoning_tokens: 12 },
      }),
    ).toEqual({ promptTokens: 100, completionTokens: 20, cachedTokens: 64, cacheWriteTokens: 8, reasoningTokens: 12 });
    expect(usageFromOpenAI({ input_tokens: 7, output_tokens: 3 })).toEqual(counts(7, 3));
  });

  it('takes the prompt from total_tokens when only the total is given (embeddings servers)', () => {
    expect(usageFromOpenAI({ total_tokens: 12 })).toEqual(counts(12, 0));
    expect(usageFromOpenAI({ completion_tokens: 5, total_tokens: 12 })).toEqual(counts(7, 5));
    expect(usageFromOpenAI({ prompt_tokens: 0, total_tokens: 12 })).toEqual(counts(12, 0));
    expect(usageFromOpenAI({ prompt_tokens: null, total_tokens: 9 })).toEqual(counts(9, 0));
  });

  it('is null when no token count is given, so the caller counts with the tokenizer', () => {
    expect(usageFromOpenAI({})).toBeNull();
    expect(usageFromOpenAI({ prompt_tokens: null, completion_tokens: null })).toBeNull();
    expect(usageFromOpenAI({ prompt_tokens_details: { cached_tokens: 3 } })).toBeNull();
    expect(usageFromOpenAI({ prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 })).toBeNull();
    expect(usageFromOpenAI({ prompt_tokens: '12' })).toBeNull();
    expect(usageFromOpenAI(null)).toBeNull();
    expect(usageFromOpenAI([1, 2])).toBeNull();
  });

  it('round-trips through usageToOpenAI', () => {
    const u = { promptTokens: 50, completionTokens: 9, cachedTokens: 10, cacheWriteTokens: 0, reasoningTokens: 4 };
    expect(usageFromOpenAI(usageToOpenAI(u))).toEqual(u);
  });
});
