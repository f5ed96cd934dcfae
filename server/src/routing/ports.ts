// Routing: which deployments serve a public model name, in what order to try them, and what we
// learned from each attempt (latency moving average, circuit breaker). Pure planning lives in
// routing/; the catalog area keeps the declared providers/models/deployments.
import type { ProviderEndpoint } from '../providers/ports.js';

export type RoutingStrategy = 'priority' | 'weighted' | 'lowest-cost' | 'lowest-latency';

export interface Deployment {
  id: string;
  /** Public model name clients send. */
  model: string;
  provider: ProviderEndpoint;
  /** Upstream model name (or Azure deployment name). */
  upstreamModel: string;
  priority: number;
  weight: number;
  /** Output cap used for reservations when the request names no max_tokens. */
  maxOutputTokens: number | null;
  /** Per-deployment timeouts override the global ones. */
  timeoutMs: number | null;
}

export interface ModelEntry {
  name: string;
  /** chat | embeddings | completions (a model may serve several). */
  kinds: readonly ('chat' | 'embeddings' | 'completions')[];
  deployments: readonly Deployment[];
  /** Operator marked the model free (no price needed). */
  free: boolean;
  /** Per-model strategy override (YAML `routing.strategy` of the model); absent = the global default. */
  routingStrategy?: RoutingStrategy | null;
}

/** OpenRouter's provider preferences object (per tenant settings.provider, per request body.provider). */
export interface ProviderPreferences {
  order?: string[];
  only?: string[];
  ignore?: string[];
  allow_fallbacks?: boolean;
  sort?: 'price' | 'latency' | 'throughput';
}

export interface ModelRegistry {
  resolve(publicModel: string): ModelEntry | null;
  list(): readonly ModelEntry[];
}

export interface RoutePlanner {
  /** Deployments to try, in order (already filtered by preferences and open circuits). */
  plan(entry: ModelEntry, prefs: ProviderPreferences | null, nowMs: number): Deployment[];
  /**
   * Before a fallback (not the plan's first deployment) is tried: may it still be? False when its
   * circuit opened since the plan, or another call took its half-open trial.
   */
  claim(deploymentId: string, nowMs: number): boolean;
  /** Feed back an attempt's outcome: latency for lowest-latency, failures for the breaker. */
  record(deploymentId: string, outcome: AttemptOutcome, nowMs: number): void;
}

/** What one upstream attempt taught us. `outputTokens` (optional) feeds the throughput average. */
export interface AttemptOutcome {
  ok: boolean;
  latencyMs: number;
  retryable: boolean;
  outputTokens?: number;
}
