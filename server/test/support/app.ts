// Boot a whole Tollgate in-process on a test database (route tests use app.inject).
import pino from 'pino';
import { createTollgate, type Tollgate } from '../../src/app/tollgate.js';
import { loadConfig } from '../../src/config/config.js';
import type { DialectName } from '../../src/db/database.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Clock } from '../../src/shared/clock.js';
import { createTestDb, type TestDb } from './db.js';

export const SUPER_ADMIN = { email: 'root@tollgate.test', password: 'root-password-123' };
export const BILLING_API_KEY = 'test-billing-key-0123456789';
export const ADMIN_SECRET_KEY = 'test-admin-secret-0123456789';

export interface TestApp extends Tollgate {
  db: TestDb;
}

export async function createTestApp(
  dialect: DialectName = 'sqlite',
  env: Record<string, string> = {},
  opts: { clock?: Clock; webDist?: string } = {},
): Promise<TestApp> {
  const db = await createTestDb(dialect, { migrate: false });
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DATA_DIR: mkdtempSync(join(tmpdir(), 'tollgate-data-')),
    SUPER_ADMIN_EMAIL: SUPER_ADMIN.email,
    SUPER_ADMIN_PASSWORD: SUPER_ADMIN.password,
    BILLING_API_KEY,
    ADMIN_SECRET_KEY,
    // Suites sign in many people from one address; the limit's own test sets it.
    AUTH_IP_RPM: '0',
    ...env,
  });
  const tollgate = await createTollgate({
    config,
    db,
    log: pino({ level: 'silent' }),
    ...(opts.clock ? { clock: opts.clock } : {}),
    ...(opts.webDist ? { webDist: opts.webDist } : {}),
  });
  await tollgate.start();
  const close = tollgate.close.bind(tollgate);
  return Object.assign(tollgate, {
    db,
    async close() {
      await close();
      await db.close();
    },
  });
}
