// Test helper (not shipped behaviour): compact Deployment fixtures for the routing tests.
import type { ProviderType } from '../providers/ports.js';
import type { Deployment } from './ports.js';

export function dep(
  id: string,
  opts: { provider?: string; type?: ProviderType; priority?: number; weight?: number } = {},
): Deployment {
  return {
    id,
    model: 'm',
    provider: {
      id: opts.provider ?? `p-${id}`,
      type: opts.type ?? 'openai',
      baseUrl: 'https://example.test/v1',
      apiKey: null,
    },
    upstreamModel: `up-${id}`,
    priority: opts.priority ?? 1,
    weight: opts.weight ?? 1,
    maxOutputTokens: null,
    timeoutMs: null,
  };
}

/** A deterministic "random" source cycling through the given values. */
export function sequence(...values: number[]): () => number {
  let i = 0;
  return () => values[i++ % values.length]!;
}

export const ids = (ds: readonly Deployment[]): string[] => ds.map((d) => d.id);
