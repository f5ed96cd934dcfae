// Catalog module: providers, models and deployments from the operator's YAML file and the admin
// API, persisted (secrets encrypted), served from memory; plus the route planner. (P3)
import type { Core, Module } from '../app/core.js';
import type { MoneyModule } from '../ledger/module.js';
import { retryDelayMs } from '../routing/backoff.js';
import { RoutingPlanner } from '../routing/planner.js';
import type { ModelRegistry, RoutePlanner, RoutingStrategy } from '../routing/ports.js';
import { openSecret } from '../shared/crypto.js';
import { applyCatalogFile, type ApplySummary } from './apply-file.js';
import type { AuditRecorder } from '../audit/audit-service.js';
import { CatalogService } from './catalog-service.js';
import { CatalogStore } from './catalog-store.js';
import { loadCatalogFile } from './config-file.js';
import { buildCatalog, InMemoryRegistry } from './registry.js';
import { modelRoutes } from './routes/model-routes.js';
import { providerRoutes } from './routes/provider-routes.js';

export interface CatalogModule extends Module {
  registry: ModelRegistry;
  planner: RoutePlanner;
  /** Admin operations on providers and models (the routes use it; so can other modules). */
  service: CatalogService;
  /** Rebuild the in-memory registry from the database now. */
  reload(): Promise<void>;
  /** The global default routing strategy (YAML routing.strategy, else ROUTING_STRATEGY). */
  defaultStrategy(): RoutingStrategy;
  /** Jittered exponential delay before retry number `attempt` (0-based), honouring Retry-After. */
  retryDelayMs(attempt: number, retryAfterMs?: number | null): number;
  /** What applying TOLLGATE_CONFIG did at start-up (null when no file is configured). */
  fileSummary: ApplySummary | null;
}

export interface CatalogDeps {
  money: MoneyModule;
  /** For audit entries; optional so the catalog works before identity is wired in. */
  identity?: { audit?: AuditRecorder };
  /** Variables for ${VAR} in the config file; defaults to the process environment. */
  env?: Readonly<Record<string, string | undefined>>;
}

export async function createCatalogModule(core: Core, deps: CatalogDeps): Promise<CatalogModule> {
  const { config, db, bus, clock, log, secrets } = core;
  const key = secrets.encryptionKey;
  const store = new CatalogStore(db.kysely);
  const registry = new InMemoryRegistry();
  // ${VAR} interpolation needs the whole environment, which Config does not carry: main.ts passes it.
  const env = deps.env ?? {};
  const file = config.TOLLGATE_CONFIG ? loadCatalogFile(config.TOLLGATE_CONFIG, env) : null;
  const strategy: RoutingStrategy = file?.routing?.strategy ?? config.ROUTING_STRATEGY;
  // The money module may still be partial while areas are built in parallel: guard every use.
  const pricing = typeof deps.money?.pricing?.priceAt === 'function' ? deps.money.pricing : null;

  // Reloads run one after another so an older snapshot can never overwrite a newer one.
  let chain: Promise<void> = Promise.resolve();
  const rebuild = async (): Promise<void> => {
    const built = buildCatalog(await store.snapshot(), (token) => openSecret(token, key));
    registry.replace(built.entries);
    for (const p of built.problems) {
      log.error(
        { provider: p.providerId, err: p.message },
        'provider left out of the catalog: its secret cannot be decrypted (TOLLGATE_SECRET changed?)',
      );
    }
  };
  const reload = (): Promise<void> => {
    const next = chain.then(rebuild);
    chain = next.catch(() => {});
    return next;
  };

  const service = new CatalogService({
    store,
    key,
    clock,
    bus,
    log,
    prices: deps.money?.prices ?? null,
    pricing,
    audit: deps.identity?.audit ?? null,
    reload,
  });

  const planner = new RoutingPlanner({
    defaultStrategy: () => strategy,
    priceOf: (d, nowMs) => {
      const p = pricing?.priceAt(d.model, nowMs, d.id) ?? null;
      if (!p) return null;
      return p.free ? 0n : p.inputPerMTok + p.outputPerMTok;
    },
    breaker: { failureThreshold: config.CIRCUIT_BREAKER_FAILURES, cooldownMs: config.CIRCUIT_BREAKER_COOLDOWN_MS },
  });

  let fileSummary: ApplySummary | null = null;
  if (file && config.TOLLGATE_CONFIG) {
    fileSummary = await applyCatalogFile(service, file, config.TOLLGATE_CONFIG);
    log.info({ file: config.TOLLGATE_CONFIG, ...fileSummary }, 'config file applied');
  }
  await reload();

  const unsubscribe = bus.subscribe('gateway.config.changed', () => {
    reload().catch((e: unknown) => log.error({ err: e }, 'catalog reload failed'));
  });

  const backoff = { baseMs: config.RETRY_BACKOFF_BASE_MS, maxMs: config.RETRY_BACKOFF_MAX_MS };
  return {
    registry,
    planner,
    service,
    reload,
    defaultStrategy: () => strategy,
    retryDelayMs: (attempt, retryAfterMs) => retryDelayMs(attempt, Math.random, backoff, retryAfterMs),
    fileSummary,
    routes: async (app) => {
      await app.register(providerRoutes(service));
      await app.register(modelRoutes(service));
    },
    close: async () => {
      unsubscribe();
      await chain;
    },
  };
}
