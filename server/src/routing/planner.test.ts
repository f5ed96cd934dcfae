import { describe, expect, it } from 'vitest';
import { ManualClock } from '../shared/clock.js';
import { RoutingPlanner, type PlannerOptions } from './planner.js';
import type { Deployment, ModelEntry, ProviderPreferences, RoutingStrategy } from './ports.js';
import { dep, ids, sequence } from './test-deployments.js';

const a = dep('a', { provider: 'prov-a', priority: 1, weight: 1 });
const b = dep('b', { provider: 'prov-b', type: 'anthropic', priority: 2, weight: 3 });
const c = dep('c', { provider: 'prov-c', priority: 3, weight: 1 });
const prices: Record<string, bigint> = { a: 900n, b: 500n, c: 100n };

const entry = (over: Partial<ModelEntry> = {}): ModelEntry => ({
  name: 'm',
  kinds: ['chat'],
  deployments: [a, b, c],
  free: false,
  ...over,
});

function planner(over: Partial<PlannerOptions> = {}): RoutingPlanner {
  return new RoutingPlanner({
    defaultStrategy: () => 'priority',
    priceOf: (d: Deployment) => prices[d.id] ?? null,
    random: sequence(0.5),
    breaker: { failureThreshold: 2, cooldownMs: 10_000 },
    latencyAlpha: 1,
    ...over,
  });
}

describe('RoutingPlanner strategies', () => {
  const clock = new ManualClock();

  it('uses the global default strategy', () => {
    expect(ids(planner().plan(entry(), null, clock.now()))).toEqual(['a', 'b', 'c']);
    expect(ids(planner({ defaultStrategy: () => 'lowest-cost' }).plan(entry(), null, clock.now()))).toEqual([
      'c',
      'b',
      'a',
    ]);
  });

  it("a model's own strategy overrides the global one", () => {
    expect(ids(planner().plan(entry({ routingStrategy: 'lowest-cost' }), null, clock.now()))).toEqual(['c', 'b', 'a']);
  });

  it('weighted: random 0.5 of total weight 5 lands on b (weights a=1, b=3)', () => {
    expect(ids(planner({ defaultStrategy: () => 'weighted' }).plan(entry(), null, clock.now()))[0]).toBe('b');
  });

  it('lowest-latency learns from recorded attempts; unmeasured deployments are explored first', () => {
    const p = planner({ defaultStrategy: () => 'lowest-latency' });
    p.record('a', { ok: true, latencyMs: 300, retryable: false }, clock.now());
    p.record('b', { ok: true, latencyMs: 100, retryable: false }, clock.now());
    expect(ids(p.plan(entry(), null, clock.now()))).toEqual(['c', 'b', 'a']);
    p.record('c', { ok: true, latencyMs: 200, retryable: false }, clock.now());
    expect(ids(p.plan(entry(), null, clock.now()))).toEqual(['b', 'c', 'a']);
    // failures do not feed the average (a fast refusal is not a fast deployment)
    p.record('a', { ok: false, latencyMs: 1, retryable: true }, clock.now());
    expect(p.latency.latencyOf('a')).toBe(300);
  });

  it('no deployments → an empty plan', () => {
    expect(planner().plan(entry({ deployments: [] }), null, clock.now())).toEqual([]);
  });
});

describe('RoutingPlanner strategy × preferences', () => {
  const strategies: RoutingStrategy[] = ['priority', 'weighted', 'lowest-cost', 'lowest-latency'];
  const cases: { prefs: ProviderPreferences; check: (out: string[]) => void }[] = [
    { prefs: { only: ['prov-a', 'prov-c'] }, check: (out) => expect([...out].sort()).toEqual(['a', 'c']) },
    { prefs: { ignore: ['anthropic'] }, check: (out) => expect(out).not.toContain('b') },
    { prefs: { order: ['prov-c', 'prov-b'] }, check: (out) => expect(out).toEqual(['c', 'b', 'a']) },
    { prefs: { order: ['prov-b'], allow_fallbacks: false }, check: (out) => expect(out).toEqual(['b']) },
    { prefs: { allow_fallbacks: false }, check: (out) => expect(out).toHaveLength(1) },
    { prefs: { sort: 'price' }, check: (out) => expect(out).toEqual(['c', 'b', 'a']) },
    { prefs: { only: ['prov-a'], ignore: ['prov-a'] }, check: (out) => expect(out).toEqual([]) },
  ];
  for (const strategy of strategies) {
    for (const { prefs, check } of cases) {
      it(`${strategy} with ${JSON.stringify(prefs)}`, () => {
        const out = ids(planner({ defaultStrategy: () => strategy }).plan(entry(), prefs, 0));
        check(out);
        expect(new Set(out).size).toBe(out.length);
      });
    }
  }
});

describe('RoutingPlanner circuit breaker', () => {
  it('skips an open deployment, gives it one trial after the cool-down, and closes on success', () => {
    const clock = new ManualClock();
    const p = planner();
    const failA = () => p.record('a', { ok: false, latencyMs: 5, retryable: true }, clock.now());
    failA();
    expect(ids(p.plan(entry(), null, clock.now()))).toEqual(['a', 'b', 'c']);
    failA();
    expect(ids(p.plan(entry(), null, clock.now()))).toEqual(['b', 'c']);
    clock.advance(10_000);
    // half-open: the first plan carries the trial, a concurrent one does not
    expect(ids(p.plan(entry(), null, clock.now()))).toEqual(['a', 'b', 'c']);
    expect(ids(p.plan(entry(), null, clock.now()))).toEqual(['b', 'c']);
    p.record('a', { ok: true, latencyMs: 50, retryable: false }, clock.now());
    expect(ids(p.plan(entry(), null, clock.now()))).toEqual(['a', 'b', 'c']);
  });

  it("a half-open fallback's trial is taken only by the call that tries it", () => {
    const clock = new ManualClock();
    const p = planner();
    const failB = () => p.record('b', { ok: false, latencyMs: 5, retryable: true }, clock.now());
    failB();
    failB();
    expect(ids(p.plan(entry(), null, clock.now()))).toEqual(['a', 'c']);
    clock.advance(10_000);
    // b is half-open and second: plans include it, and calls whose primary answers leave its trial.
    for (let i = 0; i < 3; i++) expect(ids(p.plan(entry(), null, clock.now()))).toEqual(['a', 'b', 'c']);
    // The call that falls back to it takes the trial; a concurrent one may not have it too.
    expect(p.claim('b', clock.now())).toBe(true);
    expect(p.claim('b', clock.now())).toBe(false);
    expect(ids(p.plan(entry(), null, clock.now()))).toEqual(['a', 'c']);
    p.record('b', { ok: true, latencyMs: 50, retryable: false }, clock.now());
    expect(ids(p.plan(entry(), null, clock.now()))).toEqual(['a', 'b', 'c']);
  });

  it('when every candidate is open, tries only the least recently failed one', () => {
    const clock = new ManualClock();
    const p = planner();
    for (const [id, offset] of [
      ['b', 0],
      ['a', 100],
      ['c', 200],
    ] as const) {
      clock.set(1_000_000 + offset);
      p.record(id, { ok: false, latencyMs: 1, retryable: true }, clock.now());
      p.record(id, { ok: false, latencyMs: 1, retryable: true }, clock.now());
    }
    expect(ids(p.plan(entry(), null, clock.now()))).toEqual(['b']);
    // preferences narrow the candidates first: among a and c, a failed longer ago
    expect(ids(p.plan(entry(), { ignore: ['prov-b'] }, clock.now()))).toEqual(['a']);
  });

  it('non-retryable failures never open the circuit', () => {
    const p = planner();
    for (let i = 0; i < 5; i++) p.record('a', { ok: false, latencyMs: 1, retryable: false }, 0);
    expect(ids(p.plan(entry(), null, 0))).toEqual(['a', 'b', 'c']);
  });
});
