// The route planner: strategy order → provider preferences → circuit breaker, and the feedback
// loop (latency averages, breaker) fed by the gateway after each attempt. Pure given its inputs:
// `nowMs` is passed in and randomness is injected.
import { CircuitBreaker, type CircuitBreakerOptions } from './circuit-breaker.js';
import { LatencyTracker } from './latency-tracker.js';
import type {
  AttemptOutcome,
  Deployment,
  ModelEntry,
  ProviderPreferences,
  RoutePlanner,
  RoutingStrategy,
} from './ports.js';
import { applyPreferences } from './preferences.js';
import { orderByStrategy, type RankContext } from './strategies.js';

export interface PlannerOptions {
  /** The global default strategy (YAML routing.strategy or ROUTING_STRATEGY); read at each plan. */
  defaultStrategy: () => RoutingStrategy;
  /** Comparable price of a deployment at `nowMs` (input + output per Mtok, nano), null = unpriced. */
  priceOf: (d: Deployment, nowMs: number) => bigint | null;
  random?: () => number;
  breaker?: CircuitBreakerOptions;
  /** Weight of the newest latency sample in the moving average. */
  latencyAlpha?: number;
}

export const DEFAULT_BREAKER: CircuitBreakerOptions = { failureThreshold: 5, cooldownMs: 30_000 };

export class RoutingPlanner implements RoutePlanner {
  readonly breaker: CircuitBreaker;
  readonly latency: LatencyTracker;
  private readonly random: () => number;

  constructor(private readonly opts: PlannerOptions) {
    this.breaker = new CircuitBreaker(opts.breaker ?? DEFAULT_BREAKER);
    this.latency = new LatencyTracker(opts.latencyAlpha);
    this.random = opts.random ?? Math.random;
  }

  private context(nowMs: number): RankContext {
    return {
      random: this.random,
      priceOf: (d) => this.opts.priceOf(d, nowMs),
      latencyOf: (d) => this.latency.latencyOf(d.id),
      throughputOf: (d) => this.latency.throughputOf(d.id),
    };
  }

  strategyFor(entry: ModelEntry): RoutingStrategy {
    return entry.routingStrategy ?? this.opts.defaultStrategy();
  }

  plan(entry: ModelEntry, prefs: ProviderPreferences | null, nowMs: number): Deployment[] {
    if (entry.deployments.length === 0) return [];
    // The common case on the hot path: one deployment, no preferences. Every strategy orders a
    // single deployment the same way, and when its circuit refuses it is still the one to try
    // (below), so skip the ranking context and its closures; the breaker still sees the attempt.
    if (entry.deployments.length === 1 && !prefs) {
      const only = entry.deployments[0]!;
      this.breaker.admit(only.id, nowMs);
      return [only];
    }
    const ctx = this.context(nowMs);
    const ordered = applyPreferences(orderByStrategy(entry.deployments, this.strategyFor(entry), ctx), prefs, ctx);
    if (ordered.length === 0) return [];
    // The first deployment will be tried, so it takes a half-open circuit's trial now; fallbacks
    // only when the attempt loop reaches them (claim), or a call that never needs its fallback
    // would hold that deployment's trial, keeping it out of plans for another cool-down.
    const admitted = ordered.filter((d) => this.breaker.available(d.id, nowMs));
    if (admitted.length > 0) {
      this.breaker.admit(admitted[0]!.id, nowMs);
      return admitted;
    }
    // Every candidate is cooling down: refusing outright helps no one, so try the one whose
    // last failure is oldest (most likely to have recovered).
    const lastFailure = (d: Deployment): number => this.breaker.lastFailureAt(d.id) ?? Number.NEGATIVE_INFINITY;
    return [ordered.reduce((best, d) => (lastFailure(d) < lastFailure(best) ? d : best))];
  }

  claim(deploymentId: string, nowMs: number): boolean {
    return this.breaker.admit(deploymentId, nowMs);
  }

  record(deploymentId: string, outcome: AttemptOutcome, nowMs: number): void {
    this.breaker.record(deploymentId, outcome.ok, outcome.retryable, nowMs);
    if (outcome.ok) this.latency.record(deploymentId, outcome.latencyMs, outcome.outputTokens);
  }
}
