// Metering module: the one usage pipeline (spool → batch → records, ledger, budgets, rollups),
// the rollup repair, the usage/consumption routes and seed 003's POST /api/log-usage. (P2)
// Spooled events left by a previous process are replayed here, before the server serves.
import type { Core, Module } from '../app/core.js';
import type { BudgetsModule } from '../budgets/module.js';
import type { IdentityModule } from '../identity/module.js';
import type { MoneyModule } from '../ledger/module.js';
import { logUsageRoutes } from '../billing-api/log-usage.js';
import { usageRoutes } from '../usage/usage-routes.js';
import { consumptionRoutes } from '../usage/consumption-routes.js';
import { createMeteringPipeline, meteringWriterMode } from './create-pipeline.js';
import type { MeteringPipeline } from './ports.js';
import { recomputeRollups } from './rollup-store.js';

export interface MeteringModule extends Module {
  pipeline: MeteringPipeline;
  /** Rebuild daily/monthly rollups from usage_records (repair; tests compare with the incremental path). */
  recomputeRollups(): Promise<void>;
  /** What the start-up replay of the spool found. */
  replayed: { segments: number; events: number; unreadable: number };
}

export async function createMeteringModule(
  core: Core,
  deps: { identity: IdentityModule; money: MoneyModule; budgets: BudgetsModule },
): Promise<MeteringModule> {
  const pipeline = createMeteringPipeline({
    db: core.db,
    ledger: deps.money.ledger,
    spend: deps.budgets.spend,
    catalog: deps.money.pricing,
    log: core.log.child({ module: 'metering' }),
    clock: core.clock,
    dataDir: core.config.DATA_DIR,
    batchSize: core.config.METERING_BATCH_SIZE,
    flushMs: core.config.METERING_FLUSH_MS,
    idleFlushMs: core.config.METERING_GATEWAY_FLUSH_MS,
    walCheckpointMs: 500,
    ...(meteringWriterMode(core.config.METERING_WRITER, core.db) === 'worker'
      ? {
          worker: {
            currency: core.config.CURRENCY,
            // As the budgets module's own cache: a definition edited elsewhere shows within a lease TTL.
            definitionTtlMs: Math.max(1000, core.config.LEASE_TTL_SECONDS * 1000),
            txnMs: core.config.METERING_TXN_MS,
            bus: core.bus,
          },
        }
      : {}),
  });
  const replayed = await pipeline.replay();
  return {
    pipeline,
    replayed,
    recomputeRollups: () => recomputeRollups(core.db.kysely, core.db.dialect),
    async routes(app) {
      await app.register(
        logUsageRoutes({ pipeline, findUser: (ref) => deps.identity.users.findByEmailOrId(ref), clock: core.clock }),
      );
      await app.register(usageRoutes({ db: core.db.kysely }));
      await app.register(consumptionRoutes({ db: core.db.kysely, clock: core.clock }));
    },
    close: () => pipeline.close(),
  };
}
