// The whole Tollgate on a manual clock for the money route tests, which check audit entries and
// 404s for unknown tenants through the real identity module (login and roles included).
import type { DialectName } from '../../src/db/database.js';
import { ManualClock } from '../../src/shared/clock.js';
import { createTestApp, type TestApp } from '../support/app.js';

export interface MoneyTestApp extends TestApp {
  clock: ManualClock;
}

export async function createMoneyTestApp(dialect: DialectName): Promise<MoneyTestApp> {
  const clock = new ManualClock(Date.now());
  const t = await createTestApp(dialect, {}, { clock });
  return Object.assign(t, { clock });
}
