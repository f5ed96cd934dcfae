// A whole Tollgate in its own process for the gateway crash test (crash.int.test.ts), modeled on
// bench/gateway/tollgate-server.ts but on the database and DATA_DIR the parent gives it:
//   tsx crash-gateway-child.ts <first|restart> <database url> <data dir>   (TEST_PG_SCHEMA for pg)
// The catalog is the parent's `<data dir>/tollgate.yaml`; METERING_* settings come from the
// environment. "first" also creates the tenant, user, wallet funded with CRASH_MONEY, budgets and
// two API keys; "restart" only starts (replaying the spool the killed first process left). Sends
// {port, …} over IPC when serving; on {cmd: 'stop'} it shuts down cleanly and exits 0. Leases live
// LEASE_TTL_SECONDS=1, so a dead holder's are swept quickly.
import { join } from 'node:path';
import pino from 'pino';
import { createTollgate } from '../../src/app/tollgate.js';
import { loadConfig } from '../../src/config/config.js';
import { openDb } from '../../src/db/database.js';
import { systemContext } from '../../src/identity/context.js';
import { parseMoney } from '../../src/shared/money.js';

export interface FirstReady {
  port: number;
  tenantId: string;
  keys: { open: { id: string; secret: string }; capped: { id: string; secret: string } };
}

export interface RestartReady {
  port: number;
  replayed: { segments: number; events: number; unreadable: number };
}

/** Decimal amounts for "first", as JSON in CRASH_MONEY (the parent owns the numbers). */
export interface CrashMoney {
  topUp: string;
  tenantBudget: string;
  keyBudget: string;
}

const [mode, url, dataDir] = process.argv.slice(2) as ['first' | 'restart', string, string];
const pgSchema = process.env['TEST_PG_SCHEMA'];
const db = openDb({ url, ...(pgSchema ? { pgSchema } : {}) });
const config = loadConfig({
  NODE_ENV: 'test',
  LOG_LEVEL: 'warn',
  DATA_DIR: dataDir,
  TOLLGATE_CONFIG: join(dataDir, 'tollgate.yaml'),
  SUPER_ADMIN_EMAIL: 'root@crash.test',
  SUPER_ADMIN_PASSWORD: 'crash-password-123',
  LEASE_TTL_SECONDS: '1',
  SHUTDOWN_GRACE_MS: '2000',
  // The parent makes the first process write gateway usage less often (see the test).
  ...Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('METERING_'))),
});
// Logs go to stderr, which the parent prints when the test fails.
const tollgate = await createTollgate({ config, db, log: pino({ level: 'warn' }, pino.destination(2)) });
const address = await tollgate.app.listen({ port: 0, host: '127.0.0.1' });
await tollgate.start();
const port = Number(new URL(address).port);

if (mode === 'first') {
  const money = JSON.parse(process.env['CRASH_MONEY'] ?? '') as CrashMoney;
  const tenant = await tollgate.identity.tenants.create({ name: 'Crash Tenant', status: 'active' }, systemContext);
  const user = await tollgate.identity.users.create(
    { email: 'crash@crash.test', role: 'tenant_user', tenantId: tenant.id, password: 'crash-password-123' },
    systemContext,
  );
  await tollgate.money.wallets.topUp(tenant.id, { amount: parseMoney(money.topUp), idempotencyKey: 'crash-seed' });
  await tollgate.budgets.admin.set({
    kind: 'tenant',
    tenantId: tenant.id,
    subject: tenant.id,
    limit: parseMoney(money.tenantBudget),
    period: 'monthly',
  });
  const owner = { userId: user.id, tenantId: tenant.id };
  const open = await tollgate.identity.apiKeys.create({ name: 'open' }, owner, systemContext);
  const capped = await tollgate.identity.apiKeys.create(
    { name: 'capped', budget: parseMoney(money.keyBudget), budget_period: 'total' },
    owner,
    systemContext,
  );
  const ready: FirstReady = {
    port,
    tenantId: tenant.id,
    keys: { open: { id: open.key.id, secret: open.secret }, capped: { id: capped.key.id, secret: capped.secret } },
  };
  process.send?.(ready);
} else {
  const ready: RestartReady = { port, replayed: tollgate.metering.replayed };
  process.send?.(ready);
}

process.on('message', (m: { cmd?: string }) => {
  if (m.cmd !== 'stop') return;
  void tollgate
    .close()
    .then(() => db.close())
    .then(
      () => process.exit(0),
      (e: unknown) => {
        process.stderr.write(`stop failed: ${String(e)}\n`);
        process.exit(1);
      },
    );
});
