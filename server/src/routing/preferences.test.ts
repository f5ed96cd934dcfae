import { describe, expect, it } from 'vitest';
import type { Deployment, ProviderPreferences } from './ports.js';
import { applyPreferences, mergePreferences, providerPreferencesSchema, tenantPreferences } from './preferences.js';
import type { RankContext } from './strategies.js';
import { dep, ids, sequence } from './test-deployments.js';

const ds = [
  dep('oa1', { provider: 'openai-main', type: 'openai' }),
  dep('an1', { provider: 'anthropic-main', type: 'anthropic' }),
  dep('az1', { provider: 'azure-eu', type: 'azure-openai' }),
  dep('oa2', { provider: 'openrouter', type: 'openai' }),
];
const metrics = {
  price: { oa1: 500n, an1: 100n, az1: 300n, oa2: null } as Record<string, bigint | null>,
  latency: { oa1: 90, an1: 400, az1: null, oa2: 50 } as Record<string, number | null>,
  throughput: { oa1: 80, an1: 120, az1: 10, oa2: null } as Record<string, number | null>,
};
const ctx: RankContext = {
  random: sequence(0),
  priceOf: (d: Deployment) => metrics.price[d.id] ?? null,
  latencyOf: (d: Deployment) => metrics.latency[d.id] ?? null,
  throughputOf: (d: Deployment) => metrics.throughput[d.id] ?? null,
};
const apply = (p: ProviderPreferences | null) => ids(applyPreferences(ds, p, ctx));

describe('applyPreferences', () => {
  it('no preferences: the strategy order unchanged', () => {
    expect(apply(null)).toEqual(['oa1', 'an1', 'az1', 'oa2']);
    expect(apply({})).toEqual(['oa1', 'an1', 'az1', 'oa2']);
  });

  it('order: named providers first, in that order, the rest after as fallbacks', () => {
    expect(apply({ order: ['azure-eu', 'anthropic-main'] })).toEqual(['az1', 'an1', 'oa1', 'oa2']);
  });

  it('order matches a provider type too (every provider of that type), case-insensitively', () => {
    expect(apply({ order: ['Anthropic', 'openrouter'] })).toEqual(['an1', 'oa2', 'oa1', 'az1']);
  });

  it('only keeps the listed providers; ignore drops the listed ones', () => {
    expect(apply({ only: ['openai'] })).toEqual(['oa1', 'oa2']);
    expect(apply({ ignore: ['openai-main', 'azure-eu'] })).toEqual(['an1', 'oa2']);
    expect(apply({ only: ['openai'], ignore: ['openrouter'] })).toEqual(['oa1']);
    expect(apply({ only: ['nobody'] })).toEqual([]);
  });

  it('allow_fallbacks=false keeps only the first candidate', () => {
    expect(apply({ allow_fallbacks: false })).toEqual(['oa1']);
    expect(apply({ order: ['azure-eu'], allow_fallbacks: false })).toEqual(['az1']);
    expect(apply({ allow_fallbacks: true })).toEqual(['oa1', 'an1', 'az1', 'oa2']);
  });

  it('sort by price / latency / throughput, unknown values last', () => {
    expect(apply({ sort: 'price' })).toEqual(['an1', 'az1', 'oa1', 'oa2']);
    expect(apply({ sort: 'latency' })).toEqual(['oa2', 'oa1', 'an1', 'az1']);
    expect(apply({ sort: 'throughput' })).toEqual(['an1', 'oa1', 'az1', 'oa2']);
  });

  it('order wins over sort for the providers it names; sort orders the rest', () => {
    expect(apply({ sort: 'price', order: ['openai-main'] })).toEqual(['oa1', 'an1', 'az1', 'oa2']);
    expect(apply({ sort: 'latency', order: ['azure-eu'], ignore: ['openrouter'] })).toEqual(['az1', 'oa1', 'an1']);
  });

  it('all together: only + ignore + sort + order + no fallbacks', () => {
    expect(
      apply({ only: ['openai', 'anthropic'], ignore: ['openai-main'], sort: 'price', allow_fallbacks: false }),
    ).toEqual(['an1']);
  });
});

describe('mergePreferences', () => {
  it('either side alone is taken as is', () => {
    expect(mergePreferences(null, { order: ['a'] })).toEqual({ order: ['a'] });
    expect(mergePreferences({ only: ['a'] }, null)).toEqual({ only: ['a'] });
    expect(mergePreferences(null, undefined)).toBeNull();
  });

  it('a request narrows but cannot widen the tenant policy', () => {
    const merged = mergePreferences(
      { only: ['openai', 'anthropic'], ignore: ['azure-eu'] },
      { only: ['anthropic', 'gemini'], ignore: ['openrouter'] },
    );
    expect(merged).toEqual({ only: ['anthropic'], ignore: ['azure-eu', 'openrouter'] });
  });

  it('order, sort and allow_fallbacks of the request win', () => {
    const merged = mergePreferences(
      { order: ['a'], sort: 'price', allow_fallbacks: true },
      { order: ['b'], sort: 'latency', allow_fallbacks: false },
    );
    expect(merged).toEqual({ order: ['b'], sort: 'latency', allow_fallbacks: false });
    expect(mergePreferences({ order: ['a'], allow_fallbacks: false }, { sort: 'price' })).toEqual({
      order: ['a'],
      allow_fallbacks: false,
      sort: 'price',
    });
  });
});

describe('preference parsing', () => {
  it('validates a request provider object and drops unknown OpenRouter fields', () => {
    expect(providerPreferencesSchema.parse({ order: ['a'], data_collection: 'deny' })).toEqual({ order: ['a'] });
    expect(providerPreferencesSchema.safeParse({ sort: 'cheapest' }).success).toBe(false);
    expect(providerPreferencesSchema.safeParse({ only: 'openai' }).success).toBe(false);
  });

  it('reads tenant settings.provider, ignoring a malformed one', () => {
    expect(tenantPreferences({ provider: { ignore: ['x'] } })).toEqual({ ignore: ['x'] });
    expect(tenantPreferences({ provider: { sort: 42 } })).toBeNull();
    expect(tenantPreferences({})).toBeNull();
    expect(tenantPreferences(null)).toBeNull();
  });
});
