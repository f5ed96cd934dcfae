// Budgets module: budget definitions, reservations, leases, spend recording and rate limits (P2).
// Composes the store, the leased BudgetService, the SpendRecorder used by metering, the admin
// service behind the routes, the in-process rate limiter, and the upkeep timer.
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { AuditRecorder } from '../audit/audit-service.js';
import type { Core, Module } from '../app/core.js';
import type { MoneyModule } from '../ledger/module.js';
import { MemoryRateLimiter } from '../ratelimit/memory-rate-limiter.js';
import type { RateLimiter } from '../ratelimit/ports.js';
import { checkBudgetRoutes } from '../billing-api/check-budget.js';
import { resetBudgetsRoutes } from '../billing-api/reset-budgets.js';
import { BudgetAdmin } from './budget-admin.js';
import { LeasedBudgetService } from './budget-service.js';
import { BudgetStore } from './budget-store.js';
import { DefinitionCache } from './definition-cache.js';
import type { SpendRecorder } from './ports.js';
import { budgetRoutes } from './routes.js';
import { CounterSpendRecorder } from './spend-recorder.js';

export interface BudgetsModule extends Module {
  budgets: LeasedBudgetService;
  spend: SpendRecorder;
  rateLimiter: RateLimiter;
  /** Definitions, per-scope state, user budgets, manual resets (routes, seed 003). */
  admin: BudgetAdmin;
  store: BudgetStore;
  /** Run the upkeep once now (tests with a ManualClock). */
  tick(): Promise<void>;
}

export interface BudgetServiceParts {
  store: BudgetStore;
  definitions: DefinitionCache;
  budgets: LeasedBudgetService;
  spend: CounterSpendRecorder;
}

/** The budget service over one database; several of these on one database act as processes. */
export function createBudgetServices(
  core: Pick<Core, 'db' | 'clock' | 'log'>,
  opts: { leaseTtlSeconds: number; reservationTtlSeconds: number; holder?: string },
): BudgetServiceParts {
  const store = new BudgetStore(core.db.kysely);
  const leaseTtlMs = opts.leaseTtlSeconds * 1000;
  const definitions = new DefinitionCache(store, Math.max(1000, leaseTtlMs));
  const budgets = new LeasedBudgetService({
    store,
    definitions,
    holder: opts.holder ?? `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`,
    now: () => core.clock.now(),
    leaseTtlMs,
    reservationTtlMs: opts.reservationTtlSeconds * 1000,
    onError: (e) => core.log.error({ err: e }, 'budget upkeep failed'),
  });
  const spend = new CounterSpendRecorder(store, definitions, core.db.dialect, core.db.sqlite);
  return { store, definitions, budgets, spend };
}

export interface BudgetsDeps {
  money: MoneyModule;
  /** For audit entries of budget changes; optional so the module works without identity. */
  identity?: { audit?: AuditRecorder };
}

export async function createBudgetsModule(core: Core, deps: BudgetsDeps): Promise<BudgetsModule> {
  const { config } = core;
  const parts = createBudgetServices(core, {
    leaseTtlSeconds: config.LEASE_TTL_SECONDS,
    reservationTtlSeconds: config.RESERVATION_TTL_SECONDS,
  });
  const { budgets, store } = parts;
  const admin = new BudgetAdmin(core.db.kysely, store, core.bus, () => core.clock.now());
  const rateLimiter = new MemoryRateLimiter();
  const unsubscribeBudgets = core.bus.subscribe('budget.changed', (m) => budgets.invalidate(m.scopeKey));
  // A tenant's time zone (settings.timezone) is part of its budgets' definitions: a tenant edit
  // drops every cached definition, here and in the metering writer (which gets 'budget.changed').
  const unsubscribeTenants = core.bus.subscribe('tenant.changed', () => core.bus.publish('budget.changed', {}));
  const unsubscribe = () => {
    unsubscribeBudgets();
    unsubscribeTenants();
  };

  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> | null = null;
  const tick = async () => {
    if (running) return running;
    running = budgets.tick().finally(() => {
      running = null;
    });
    return running;
  };

  return {
    budgets,
    spend: parts.spend,
    rateLimiter,
    admin,
    store,
    tick,
    routes: async (app: FastifyInstance) => {
      const audit = deps.identity?.audit ?? null;
      await budgetRoutes(app, { admin, db: core.db.kysely, audit });
      await checkBudgetRoutes(app, {
        admin,
        db: core.db.kysely,
        pricing: () => deps.money.pricing,
        now: () => core.clock.now(),
      });
      await resetBudgetsRoutes(app, { admin, audit });
    },
    async start() {
      const every = Math.max(250, Math.min(5000, (config.LEASE_TTL_SECONDS * 1000) / 3));
      timer = setInterval(() => {
        tick().catch((e) => core.log.error({ err: e }, 'budget upkeep failed'));
      }, every);
      timer.unref();
    },
    async close() {
      if (timer) clearInterval(timer);
      unsubscribe();
      await running?.catch(() => {});
      await budgets.close();
    },
  };
}
