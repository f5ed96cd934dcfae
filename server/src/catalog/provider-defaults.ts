// Per provider type: the base URL used when the operator gives none, and what must be given.
// Base URLs include the API version path, like OpenAI's (`…/v1`); adapters append the endpoint.
import type { ProviderType } from '../providers/ports.js';

export const PROVIDER_TYPES = [
  'openai',
  'anthropic',
  'gemini',
  'azure-openai',
  'echo',
] as const satisfies readonly ProviderType[];

export const DEFAULT_BASE_URL: Record<ProviderType, string | null> = {
  openai: 'https://api.openai.com/v1',
  anthropic: 'https://api.anthropic.com/v1',
  gemini: 'https://generativelanguage.googleapis.com/v1beta',
  // Azure resources have per-customer hosts: the operator must give one.
  'azure-openai': null,
  // The demo provider answers in-process; it never opens a connection.
  echo: null,
};

/** The endpoint of the in-process echo provider (not a network address on purpose). */
export const ECHO_BASE_URL = 'echo://local';

/** The effective base URL of a provider, or null when the type needs one and none was given. */
export function effectiveBaseUrl(type: ProviderType, baseUrl: string | null | undefined): string | null {
  if (type === 'echo') return ECHO_BASE_URL;
  return baseUrl ?? DEFAULT_BASE_URL[type];
}

/**
 * Only http(s) URLs with a host and no embedded credentials: provider URLs are operator settings,
 * and nothing else (file:, gopher:, user:pass@…) may reach the upstream client.
 */
export function isSafeHttpUrl(value: string): boolean {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  return (
    (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '' && !url.username && !url.password
  );
}
