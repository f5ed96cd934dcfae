import { describe, expect, it } from 'vitest';
import { getProviderAdapter, isProviderType, PROVIDER_TYPES, providerAdapters } from './registry.js';

describe('provider registry', () => {
  it('maps every provider type to its adapter', () => {
    expect([...PROVIDER_TYPES].sort()).toEqual(['anthropic', 'azure-openai', 'echo', 'gemini', 'openai']);
    for (const t of PROVIDER_TYPES) expect(getProviderAdapter(t).type).toBe(t);
    expect(Object.isFrozen(providerAdapters)).toBe(true);
  });

  it('only echo is network-free', () => {
    expect(PROVIDER_TYPES.filter((t) => getProviderAdapter(t).simulate)).toEqual(['echo']);
  });

  it('recognises provider type names', () => {
    expect(isProviderType('gemini')).toBe(true);
    expect(isProviderType('toString')).toBe(false);
    expect(isProviderType(3)).toBe(false);
  });
});
