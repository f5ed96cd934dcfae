// The composition root as a function: config in, a running Tollgate (HTTP app + modules) out.
// main.ts calls it for the real process; route and e2e tests call it with a test database.
import { join } from 'node:path';
import pino, { type Logger } from 'pino';
import { InProcessBus } from '../bus/bus.js';
import type { Config } from '../config/config.js';
import { loadSecrets } from '../config/secrets.js';
import { openDb, type Db } from '../db/database.js';
import { migrateToLatest } from '../db/migrator.js';
import { createCatalogModule, type CatalogModule } from '../catalog/module.js';
import { createBudgetsModule, type BudgetsModule } from '../budgets/module.js';
import { createGatewayModule, type GatewayModule } from '../gateway/module.js';
import { createHttpApp, type App } from '../http/app.js';
import { createIdentityModule, type IdentityModule } from '../identity/module.js';
import { createMoneyModule, type MoneyModule } from '../ledger/module.js';
import { createMeteringModule, type MeteringModule } from '../metering/module.js';
import { systemClock, type Clock } from '../shared/clock.js';
import { sql } from 'kysely';
import type { Core, Module } from './core.js';

export interface TollgateOptions {
  config: Config;
  log?: Logger;
  clock?: Clock;
  /** An already opened (and possibly migrated) database; opened from config when absent. */
  db?: Db;
  webDist?: string;
  /** The process environment, for ${VAR} interpolation in the operator's config file. */
  env?: Record<string, string | undefined>;
}

export interface Tollgate {
  app: App;
  core: Core;
  identity: IdentityModule;
  money: MoneyModule;
  budgets: BudgetsModule;
  metering: MeteringModule;
  catalog: CatalogModule;
  gateway: GatewayModule;
  /** Start background work (after listen). */
  start(): Promise<void>;
  /** Graceful stop: close HTTP, drain modules in reverse order, close the database. */
  close(): Promise<void>;
}

export function databaseUrl(config: Config): string {
  return config.DATABASE_URL ?? `sqlite:${join(config.DATA_DIR, 'tollgate.db')}`;
}

export async function createTollgate(opts: TollgateOptions): Promise<Tollgate> {
  const { config } = opts;
  const log = opts.log ?? pino({ level: config.LOG_LEVEL });
  const db = opts.db ?? openDb({ url: databaseUrl(config), poolSize: config.DATABASE_POOL_SIZE });
  const ownsDb = !opts.db;
  await migrateToLatest(db);
  const { secrets } = loadSecrets(config);
  const bus = new InProcessBus((e, topic) => log.error({ err: e, topic }, 'bus handler failed'));
  const core: Core = { config, db, bus, clock: opts.clock ?? systemClock, log, secrets };

  const identity = await createIdentityModule(core);
  const money = await createMoneyModule(core, { identity });
  const budgets = await createBudgetsModule(core, { money, identity });
  const metering = await createMeteringModule(core, { identity, money, budgets });
  const catalog = await createCatalogModule(core, { money, identity, env: opts.env ?? {} });
  const gateway = await createGatewayModule(core, { identity, money, budgets, metering, catalog });
  const modules: Module[] = [identity, money, budgets, metering, catalog, gateway];

  const app = await createHttpApp({
    config,
    log,
    authenticator: identity.authenticator,
    modules,
    ready: async () => {
      await sql`select 1`.execute(db.kysely);
      return true;
    },
    ...(opts.webDist ? { webDist: opts.webDist } : {}),
  });
  await app.ready();

  let closed = false;
  return {
    app,
    core,
    identity,
    money,
    budgets,
    metering,
    catalog,
    gateway,
    async start() {
      for (const m of modules) await m.start?.();
    },
    async close() {
      if (closed) return;
      closed = true;
      // app.close() waits for every open connection. A keep-alive connection whose call finishes
      // after the stop began would stay open until its keep-alive timeout, and one whose client
      // never sent a complete request is not idle to Node at all (it waits for the 60 s headers
      // timeout). So idle connections are closed as they appear, and after SHUTDOWN_GRACE_MS
      // whatever is left.
      const idle = setInterval(() => app.server.closeIdleConnections(), 50);
      const grace = setTimeout(() => app.server.closeAllConnections(), config.SHUTDOWN_GRACE_MS);
      await app.close();
      clearInterval(idle);
      clearTimeout(grace);
      for (const m of [...modules].reverse()) {
        try {
          await m.close?.();
        } catch (e) {
          log.error({ err: e }, 'module close failed');
        }
      }
      if (ownsDb) await db.close();
    },
  };
}
