// ProviderType → adapter. The only place that knows every provider; the gateway asks here by the
// type stored on a provider endpoint.
import type { ProviderAdapter, ProviderType } from './ports.js';
import { anthropicAdapter } from './anthropic/adapter.js';
import { azureOpenAIAdapter } from './azure-openai/adapter.js';
import { echoAdapter } from './echo/adapter.js';
import { geminiAdapter } from './gemini/adapter.js';
import { openAIAdapter } from './openai/adapter.js';

export const providerAdapters: Readonly<Record<ProviderType, ProviderAdapter>> = Object.freeze({
  openai: openAIAdapter,
  'azure-openai': azureOpenAIAdapter,
  anthropic: anthropicAdapter,
  gemini: geminiAdapter,
  echo: echoAdapter,
});

export const PROVIDER_TYPES = Object.keys(providerAdapters) as readonly ProviderType[];

export function isProviderType(v: unknown): v is ProviderType {
  return typeof v === 'string' && Object.hasOwn(providerAdapters, v);
}

export function getProviderAdapter(type: ProviderType): ProviderAdapter {
  return providerAdapters[type];
}

export { UpstreamFormatError, isRetryableStatus } from './common/upstream-error.js';
