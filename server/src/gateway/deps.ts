// What the gateway's hot path is built from: the other areas' ports, resolved once by module.ts.
// Handlers receive this object and nothing else, so tests can hand them fakes.
import type { Logger } from 'pino';
import type { BudgetService } from '../budgets/ports.js';
import type { Config } from '../config/config.js';
import type { KeyAuthenticator } from '../identity/ports.js';
import type { MeteringPipeline } from '../metering/ports.js';
import type { PriceCatalog } from '../pricing/ports.js';
import type { ProviderAdapter, ProviderType } from '../providers/ports.js';
import type { RateLimiter } from '../ratelimit/ports.js';
import type { ModelRegistry, RoutePlanner } from '../routing/ports.js';
import type { Clock } from '../shared/clock.js';
import type { GatewayMetrics } from './metrics.js';
import type { UpstreamClient } from './upstream-client.js';

export type { ChatRequest, ChatResponse, ChatChunk, Usage, ProviderAdapter, StreamParser } from '../providers/ports.js';
export type { ProviderPreferences, Deployment, ModelEntry } from '../routing/ports.js';

export interface GatewaySettings {
  upstreamTimeoutMs: number;
  firstByteTimeoutMs: number;
  maxRetries: number;
  /** Output-token cap reserved for when neither the request nor the deployment names one. */
  defaultMaxOutputTokens: number;
}

export interface GatewayDeps {
  config: Config;
  settings: GatewaySettings;
  clock: Clock;
  log: Logger;
  keys: KeyAuthenticator;
  budgets: BudgetService;
  rateLimiter: RateLimiter;
  pricing: PriceCatalog;
  pipeline: MeteringPipeline;
  registry: ModelRegistry;
  planner: RoutePlanner;
  adapterFor: (type: ProviderType) => ProviderAdapter | null;
  upstream: UpstreamClient;
  metrics: GatewayMetrics;
  /** Delay before retry number `attempt` (0-based), honouring Retry-After: the catalog's
   *  RETRY_BACKOFF_* settings in production, a fixed function in tests. */
  retryDelayMs: (attempt: number, retryAfterMs?: number | null) => number;
}
