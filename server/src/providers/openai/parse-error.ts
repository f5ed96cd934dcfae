// OpenAI error bodies: `{"error":{"message","type","param","code"}}`.
import type { ProviderError } from '../ports.js';
import { providerError } from '../common/upstream-error.js';

export function parseOpenAIError(status: number, body: string): ProviderError {
  return providerError(status, body);
}
