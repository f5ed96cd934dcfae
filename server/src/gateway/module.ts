// Gateway module: the /v1 model endpoints (OpenAI- and Anthropic-compatible), routing attempts,
// provider calls, streaming, and settlement into budgets and metering. Wires the other areas'
// services into the hot path's dependencies once; nothing here touches the database.
import type { Core, Module } from '../app/core.js';
import type { BudgetsModule } from '../budgets/module.js';
import type { CatalogModule } from '../catalog/module.js';
import type { IdentityModule } from '../identity/module.js';
import type { MoneyModule } from '../ledger/module.js';
import type { MeteringModule } from '../metering/module.js';
import { getProviderAdapter, isProviderType } from '../providers/registry.js';
import type { GatewayDeps } from './deps.js';
import { createGatewayMetrics, type GatewayMetrics } from './metrics.js';
import { toAppError } from '../http/error-handler.js';
import { toGatewayError } from './gateway-error.js';
import { sendError } from './request-context.js';
import { gatewayRoutes } from './routes.js';
import { UpstreamClient } from './upstream-client.js';

export interface GatewayModule extends Module {
  metrics: GatewayMetrics;
}

export async function createGatewayModule(
  core: Core,
  deps: {
    identity: IdentityModule;
    money: MoneyModule;
    budgets: BudgetsModule;
    metering: MeteringModule;
    catalog: CatalogModule;
  },
): Promise<GatewayModule> {
  const { config } = core;
  const upstream = new UpstreamClient();
  const metrics = createGatewayMetrics();
  const gw: GatewayDeps = {
    config,
    settings: {
      upstreamTimeoutMs: config.UPSTREAM_TIMEOUT_MS,
      firstByteTimeoutMs: config.UPSTREAM_FIRST_BYTE_TIMEOUT_MS,
      maxRetries: config.UPSTREAM_MAX_RETRIES,
      defaultMaxOutputTokens: config.GATEWAY_DEFAULT_MAX_OUTPUT_TOKENS,
    },
    clock: core.clock,
    log: core.log.child({ module: 'gateway' }),
    keys: deps.identity.keys,
    budgets: deps.budgets.budgets,
    rateLimiter: deps.budgets.rateLimiter,
    pricing: deps.money.pricing,
    pipeline: deps.metering.pipeline,
    registry: deps.catalog.registry,
    planner: deps.catalog.planner,
    adapterFor: (type) => (isProviderType(type) ? getProviderAdapter(type) : null),
    upstream,
    metrics,
    retryDelayMs: deps.catalog.retryDelayMs,
  };
  return {
    metrics,
    routes: gatewayRoutes(gw),
    frameworkErrors: {
      prefix: '/v1/',
      handle: (error, request, reply) =>
        void sendError(
          reply,
          request.url.startsWith('/v1/messages') ? 'anthropic' : 'openai',
          toGatewayError(toAppError(error)),
        ),
    },
    // The BPE tokenizer is NOT preloaded: it costs ~130 MB of RSS and ~2 s of CPU, and is only
    // needed when a provider reports no usage (cut streams, some embeddings). The first such call
    // in a process pays the load once.
    async close() {
      await upstream.close();
    },
  };
}
