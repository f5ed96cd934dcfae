// A Tollgate with only identity and money, wired the way app/tollgate.ts should wire them
// (`createMoneyModule(core, { identity })`), so route tests can check audit entries and 404s for
// unknown tenants. Login and roles are the real identity module's.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { sql } from 'kysely';
import type { Core } from '../../src/app/core.js';
import { InProcessBus } from '../../src/bus/bus.js';
import { loadConfig } from '../../src/config/config.js';
import { loadSecrets } from '../../src/config/secrets.js';
import type { DialectName } from '../../src/db/database.js';
import { createHttpApp, type App } from '../../src/http/app.js';
import { createIdentityModule, type IdentityModule } from '../../src/identity/module.js';
import { createMoneyModule, type MoneyModule } from '../../src/ledger/module.js';
import { ManualClock } from '../../src/shared/clock.js';
import { ADMIN_SECRET_KEY, BILLING_API_KEY, SUPER_ADMIN } from '../support/app.js';
import { createTestDb, type TestDb } from '../support/db.js';

export interface MoneyTestApp {
  app: App;
  db: TestDb;
  clock: ManualClock;
  identity: IdentityModule;
  money: MoneyModule;
  close(): Promise<void>;
}

export async function createMoneyTestApp(dialect: DialectName): Promise<MoneyTestApp> {
  const db = await createTestDb(dialect);
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DATA_DIR: mkdtempSync(join(tmpdir(), 'tollgate-money-')),
    SUPER_ADMIN_EMAIL: SUPER_ADMIN.email,
    SUPER_ADMIN_PASSWORD: SUPER_ADMIN.password,
    BILLING_API_KEY,
    ADMIN_SECRET_KEY,
  });
  const log = pino({ level: 'silent' });
  const clock = new ManualClock(Date.now());
  const core: Core = { config, db, bus: new InProcessBus(), clock, log, secrets: loadSecrets(config).secrets };
  const identity = await createIdentityModule(core);
  const money = await createMoneyModule(core, { identity });
  const modules = [identity, money];
  const app = await createHttpApp({
    config,
    log,
    authenticator: identity.authenticator,
    modules,
    ready: async () => {
      await sql`select 1`.execute(db.kysely);
      return true;
    },
  });
  await app.ready();
  for (const m of modules) await m.start?.();
  return {
    app,
    db,
    clock,
    identity,
    money,
    async close() {
      await app.close();
      for (const m of [...modules].reverse()) await m.close?.();
      await db.close();
    },
  };
}
