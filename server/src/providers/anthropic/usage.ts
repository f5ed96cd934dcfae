// Anthropic usage → normalised counts. Anthropic's input_tokens EXCLUDES cache reads and writes;
// OpenAI's prompt_tokens includes them, so the three are summed. Extended thinking is billed as
// output: output_tokens already includes it and Anthropic reports no split, so reasoningTokens
// stays 0 and thinking is priced at the output rate, as Anthropic charges it (a reasoning rate set
// on a Claude model would otherwise be applied to a guessed share).
import type { Usage } from '../ports.js';
import { isObject, num } from '../common/json.js';

export function usageFromAnthropic(u: unknown): Usage | null {
  if (!isObject(u)) return null;
  const cacheRead = num(u['cache_read_input_tokens']);
  const cacheWrite = num(u['cache_creation_input_tokens']);
  return {
    promptTokens: num(u['input_tokens']) + cacheRead + cacheWrite,
    completionTokens: num(u['output_tokens']),
    cachedTokens: cacheRead,
    cacheWriteTokens: cacheWrite,
    reasoningTokens: 0,
  };
}
