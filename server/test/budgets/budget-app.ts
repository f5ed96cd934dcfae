// The whole app for the budget route suites: identity's test world (two tenants with their admins
// and users) on `dialect`, a clock standing at 2026-03-10 12:00 UTC and, with `fund`, $100 in
// tenant A's wallet. Call it inside the suite: it registers its own beforeAll/afterAll.
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll } from 'vitest';
import type { DialectName } from '../../src/db/database.js';
import { ManualClock } from '../../src/shared/clock.js';
import { world } from '../identity/helpers.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { ledgerOf, topUp } from './harness.js';

const USD = 1_000_000_000n;

export interface BudgetApp {
  readonly clock: ManualClock;
  readonly t: TestApp;
  readonly w: Awaited<ReturnType<typeof world>>;
  inject(opts: InjectOptions): Promise<LightMyRequestResponse>;
}

export function budgetApp(dialect: DialectName, opts: { fund?: boolean } = {}): BudgetApp {
  const clock = new ManualClock(Date.UTC(2026, 2, 10, 12, 0, 0));
  let started: { t: TestApp; w: BudgetApp['w'] } | undefined;
  beforeAll(async () => {
    const t = await createTestApp(dialect, {}, { clock });
    const w = await world(t);
    if (opts.fund) await topUp(ledgerOf(t.db, clock), w.a.id, 100n * USD, `seed-topup-${w.a.id}`, clock.now());
    started = { t, w };
  });
  afterAll(async () => started?.t.close());
  const get = () => {
    if (!started) throw new Error('budgetApp: used before its beforeAll ran');
    return started;
  };
  return {
    clock,
    get t() {
      return get().t;
    },
    get w() {
      return get().w;
    },
    inject: (o) => get().t.app.inject(o),
  };
}
