// Budget reservations per second: reserve + settle through the leased BudgetService in one
// process, on SQLite and on PostgreSQL, and — for comparison — exact mode, where every
// reservation is its own conditional UPDATE (what a budget that is nearly spent costs).
// Run: npx tsx bench/budgets.ts   (BENCH_N=… reservations, BENCH_PG=0 to skip PostgreSQL)
import pino from 'pino';
import { createBudgetServices } from '../server/src/budgets/module.js';
import type { ScopeRef } from '../server/src/budgets/ports.js';
import type { DialectName } from '../server/src/db/database.js';
import { createLedgerStore } from '../server/src/ledger/ledger-store.js';
import { ACCOUNTS, walletAccount } from '../server/src/ledger/ports.js';
import { systemClock } from '../server/src/shared/clock.js';
import { createTestDb } from '../server/test/support/db.js';

const USD = 1_000_000_000n;
const N = Number(process.env['BENCH_N'] ?? 200_000);
const N_EXACT = Number(process.env['BENCH_N_EXACT'] ?? 3_000);
const CONCURRENCY = 100;

async function run(dialect: DialectName, mode: 'leases' | 'exact'): Promise<number> {
  const db = await createTestDb(dialect);
  try {
    const parts = createBudgetServices(
      { db, clock: systemClock, log: pino({ level: 'silent' }) },
      { leaseTtlSeconds: 30, reservationTtlSeconds: 900, holder: 'bench' },
    );
    const ledger = createLedgerStore(db, { currency: 'USD', now: () => Date.now() });
    const tenant = 'ten_bench';
    const amount = USD / 1000n; // a 0.001 call
    await ledger.post({
      idempotencyKey: 'bench-topup',
      kind: 'top_up',
      tenantId: tenant,
      postings: [
        { account: walletAccount(tenant), amount: 1_000_000n * USD },
        { account: ACCOUNTS.paymentClearing, amount: -1_000_000n * USD },
      ],
      at: Date.now(),
    });
    // Exact mode: the tenant budget fits fewer calls than one slice's headroom, so every
    // reservation takes exactly its amount from the counter (and settles back at actual 0).
    const tenantLimit = mode === 'exact' ? amount * 100n : 1_000_000n * USD;
    const now = Date.now();
    await db.kysely
      .insertInto('budgets')
      .values([
        {
          scope_key: `tenant:${tenant}`,
          kind: 'tenant',
          tenant_id: tenant,
          subject: tenant,
          limit_nano: tenantLimit,
          period: 'monthly',
          reset_at: 0,
          created_at: now,
          updated_at: now,
        },
        {
          scope_key: 'user:usr_bench',
          kind: 'user',
          tenant_id: tenant,
          subject: 'usr_bench',
          limit_nano: 1_000_000n * USD,
          period: 'monthly',
          reset_at: 0,
          created_at: now,
          updated_at: now,
        },
      ])
      .execute();
    const scopes: ScopeRef[] = [
      { kind: 'wallet', id: tenant },
      { kind: 'tenant', id: tenant },
      { kind: 'user', id: 'usr_bench' },
    ];
    const total = mode === 'exact' ? N_EXACT : N;
    const actual = mode === 'exact' ? 0n : amount / 2n;
    let refused = 0;
    const started = process.hrtime.bigint();
    for (let i = 0; i < total; i += CONCURRENCY) {
      const batch = [];
      for (let j = i; j < Math.min(total, i + CONCURRENCY); j++) {
        batch.push(
          parts.budgets.reserve({ requestId: `r${j}`, tenantId: tenant, scopes, amount }).then((r) => {
            if (r.ok) parts.budgets.settle(`r${j}`, actual);
            else refused++;
          }),
        );
      }
      await Promise.all(batch);
      if (mode === 'exact' && i % 1000 === 0) await parts.budgets.tick();
    }
    await parts.budgets.drain();
    const secs = Number(process.hrtime.bigint() - started) / 1e9;
    await parts.budgets.close();
    if (refused > 0) throw new Error(`${refused} reservations were refused`);
    return total / secs;
  } finally {
    await db.close();
  }
}

const dialects: DialectName[] = process.env['BENCH_PG'] === '0' ? ['sqlite'] : ['sqlite', 'postgres'];
console.log(`reserve+settle, 3 scopes (wallet, tenant, user), ${CONCURRENCY} in flight`);
for (const d of dialects) {
  const leased = await run(d, 'leases');
  console.log(
    `${d.padEnd(8)} leases: ${Math.round(leased).toLocaleString('en-US')} reservations/s (${N.toLocaleString('en-US')} ops)`,
  );
  const exact = await run(d, 'exact');
  console.log(
    `${d.padEnd(8)} exact : ${Math.round(exact).toLocaleString('en-US')} reservations/s (${N_EXACT.toLocaleString('en-US')} ops, one DB transaction each)`,
  );
}
