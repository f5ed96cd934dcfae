import { describe, expect, it } from 'vitest';
import type { Deployment } from './ports.js';
import { orderByStrategy, weightedShuffle, type RankContext } from './strategies.js';
import { dep, ids, sequence } from './test-deployments.js';

const ctx = (over: Partial<RankContext> = {}): RankContext => ({
  random: sequence(0),
  priceOf: () => null,
  latencyOf: () => null,
  throughputOf: () => null,
  ...over,
});

describe('priority', () => {
  it('lowest priority number first, every other deployment kept as a fallback', () => {
    const ds = [dep('c', { priority: 3 }), dep('a', { priority: 1 }), dep('b', { priority: 2 })];
    expect(ids(orderByStrategy(ds, 'priority', ctx()))).toEqual(['a', 'b', 'c']);
  });

  it('load-balances by weight among deployments sharing a priority', () => {
    const ds = [dep('a', { priority: 1, weight: 1 }), dep('b', { priority: 1, weight: 3 }), dep('z', { priority: 2 })];
    // total weight 4: r·4 < 1 picks a, otherwise b
    expect(ids(orderByStrategy(ds, 'priority', ctx({ random: sequence(0.1) })))).toEqual(['a', 'b', 'z']);
    expect(ids(orderByStrategy(ds, 'priority', ctx({ random: sequence(0.5) })))).toEqual(['b', 'a', 'z']);
  });
});

describe('weighted', () => {
  it('picks the first deployment with probability weight / total', () => {
    const ds = [dep('a', { weight: 1 }), dep('b', { weight: 3 })];
    let firstB = 0;
    const n = 4000;
    let seed = 12345;
    const lcg = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let i = 0; i < n; i++) if (weightedShuffle(ds, lcg)[0]!.id === 'b') firstB++;
    expect(firstB / n).toBeGreaterThan(0.7);
    expect(firstB / n).toBeLessThan(0.8);
  });

  it('returns every deployment once; weight 0 only as a last resort', () => {
    const ds = [dep('z', { weight: 0 }), dep('a', { weight: 2 }), dep('b', { weight: 5 })];
    for (const r of [0, 0.3, 0.6, 0.99]) {
      const out = ids(orderByStrategy(ds, 'weighted', ctx({ random: sequence(r) })));
      expect([...out].sort()).toEqual(['a', 'b', 'z']);
      expect(out[2]).toBe('z');
    }
  });
});

describe('lowest-cost', () => {
  it('cheapest first, unpriced last, ties by priority', () => {
    const prices: Record<string, bigint | null> = { a: 900n, b: 300n, c: null, d: 300n };
    const ds = [dep('a'), dep('b', { priority: 2 }), dep('c'), dep('d', { priority: 1 })];
    const out = orderByStrategy(ds, 'lowest-cost', ctx({ priceOf: (d: Deployment) => prices[d.id] ?? null }));
    expect(ids(out)).toEqual(['d', 'b', 'a', 'c']);
  });
});

describe('lowest-latency', () => {
  it('unmeasured deployments are explored first, then fastest average first', () => {
    const lat: Record<string, number | null> = { a: 300, b: 120, c: null, d: 500 };
    const ds = [dep('a'), dep('b'), dep('c'), dep('d')];
    const out = orderByStrategy(ds, 'lowest-latency', ctx({ latencyOf: (d: Deployment) => lat[d.id] ?? null }));
    expect(ids(out)).toEqual(['c', 'b', 'a', 'd']);
  });
});
