// Routing strategies: the order in which a model's deployments are tried. Every strategy returns
// ALL deployments (the later ones are the fallbacks); what differs is who goes first. Pure:
// randomness, prices and measured latencies come in through the context.
import type { Deployment, RoutingStrategy } from './ports.js';

export interface RankContext {
  /** Uniform in [0, 1). */
  random: () => number;
  /** Comparable price of a deployment (nano per million tokens, input + output), null = unpriced. */
  priceOf: (d: Deployment) => bigint | null;
  /** Moving-average latency in ms, null = never measured. */
  latencyOf: (d: Deployment) => number | null;
  /** Moving-average output tokens/s, null = never measured. */
  throughputOf: (d: Deployment) => number | null;
}

/** Lowest priority number first; on a tie the heavier weight. */
export const byPriority = (a: Deployment, b: Deployment): number => a.priority - b.priority || b.weight - a.weight;

/**
 * Weighted random order without replacement: each pick has probability weight / remaining total.
 * Weight-0 deployments are never picked first; they follow in priority order as last resorts.
 */
export function weightedShuffle(ds: readonly Deployment[], random: () => number): Deployment[] {
  const pool = ds.filter((d) => d.weight > 0);
  const zero = ds.filter((d) => !(d.weight > 0)).sort(byPriority);
  const out: Deployment[] = [];
  while (pool.length > 0) {
    const total = pool.reduce((s, d) => s + d.weight, 0);
    let r = random() * total;
    let i = 0;
    for (; i < pool.length - 1; i++) {
      r -= pool[i]!.weight;
      if (r < 0) break;
    }
    out.push(pool.splice(i, 1)[0]!);
  }
  return out.concat(zero);
}

/** Lowest priority number first; deployments sharing a priority are load-balanced by weight. */
function priorityOrder(ds: readonly Deployment[], ctx: RankContext): Deployment[] {
  const levels = [...new Set(ds.map((d) => d.priority))].sort((a, b) => a - b);
  return levels.flatMap((p) =>
    weightedShuffle(
      ds.filter((d) => d.priority === p),
      ctx.random,
    ),
  );
}

export interface MetricSortOptions {
  direction: 'asc' | 'desc';
  /** Unmeasured deployments first (exploration) instead of last. */
  unknownFirst?: boolean;
  /** Ties keep their incoming order (stable) instead of being ordered by priority. */
  keepTies?: boolean;
}

/** Sort by a metric; unknown values go last (or first); ties by priority or kept as they came. */
export function sortByMetric<T extends number | bigint>(
  ds: readonly Deployment[],
  metric: (d: Deployment) => T | null,
  opts: MetricSortOptions,
): Deployment[] {
  const { direction, unknownFirst = false, keepTies = false } = opts;
  const tie = (a: Deployment, b: Deployment): number => (keepTies ? 0 : byPriority(a, b));
  const keyed = ds.map((d) => ({ d, m: metric(d) }));
  keyed.sort((a, b) => {
    if (a.m === null || b.m === null) {
      if (a.m === null && b.m === null) return tie(a.d, b.d);
      return (a.m === null) === unknownFirst ? -1 : 1;
    }
    if (a.m === b.m) return tie(a.d, b.d);
    const less = a.m < b.m ? -1 : 1;
    return direction === 'asc' ? less : -less;
  });
  return keyed.map((k) => k.d);
}

export function orderByStrategy(ds: readonly Deployment[], strategy: RoutingStrategy, ctx: RankContext): Deployment[] {
  switch (strategy) {
    case 'priority':
      return priorityOrder(ds, ctx);
    case 'weighted':
      return weightedShuffle(ds, ctx.random);
    case 'lowest-cost':
      return sortByMetric(ds, ctx.priceOf, { direction: 'asc' });
    case 'lowest-latency':
      // Unmeasured deployments go first: a new deployment gets explored instead of starved.
      return sortByMetric(ds, ctx.latencyOf, { direction: 'asc', unknownFirst: true });
  }
}
