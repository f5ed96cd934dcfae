// Done-when: 200 concurrent reservations against a budget that fits exactly 50 → exactly 50
// succeed; after settling and metering, spend ≤ budget; no reservation or lease left open.
// 20 randomized rounds (random cost, random tight scope, random extra scopes), with one and with
// three budget services ("processes") sharing one database.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ScopeRef } from '../../src/budgets/ports.js';
import { scopeKey } from '../../src/budgets/ports.js';
import type { Db } from '../../src/db/database.js';
import { ManualClock } from '../../src/shared/clock.js';
import { newId } from '../../src/shared/ids.js';
import { createTestDb, eachDialect, type TestDb } from '../support/db.js';
import {
  activeLeases,
  counterOf,
  defineBudget,
  ledgerOf,
  meter,
  reopen,
  services,
  topUp,
  walletOf,
  type Charge,
} from './harness.js';
import { seededRandom } from '../support/seeded-random.js';

const ROUNDS = 20;
const PLENTY = 10n ** 15n;

eachDialect('budget reservations under concurrency', (dialect) => {
  let db: TestDb;
  const extraDbs: Db[] = [];
  beforeAll(async () => {
    db = await createTestDb(dialect, { poolSize: 10 });
  });
  afterAll(async () => {
    for (const d of extraDbs) await d.close();
    await db.close();
  });

  const seed = Number(process.env['FC_SEED'] ?? Date.now() % 1_000_000);

  async function round(r: number, processes: number, fits = 50, total = 200): Promise<void> {
    const rand = seededRandom(seed * 100 + r + processes * 10_000);
    const clock = new ManualClock();
    const ledger = ledgerOf(db, clock);
    const tenant = newId('ten');
    const user = newId('usr');
    const key = newId('key');
    const agent = `agent-${r}`;
    const cost = BigInt(1 + Math.floor(rand() * 2_000_000_000));
    const limit = cost * BigInt(fits) + BigInt(Math.floor(rand() * Number(cost))); // fits exactly `fits`
    const kinds = ['wallet', 'tenant', 'user', 'key', 'agent'] as const;
    const tight = kinds[Math.floor(rand() * kinds.length)]!;
    const lim = (k: (typeof kinds)[number]) => (k === tight ? limit : PLENTY);

    await topUp(ledger, tenant, lim('wallet'), `topup:${tenant}`, clock.now());
    await defineBudget(db, 'tenant', tenant, tenant, lim('tenant'));
    await defineBudget(db, 'user', tenant, user, lim('user'));
    await defineBudget(db, 'agent', tenant, agent, lim('agent'));
    const all: Record<(typeof kinds)[number], ScopeRef> = {
      wallet: { kind: 'wallet', id: tenant },
      tenant: { kind: 'tenant', id: tenant },
      user: { kind: 'user', id: user },
      key: { kind: 'key', id: key, limit: lim('key'), period: 'monthly' },
      agent: { kind: 'agent', id: `${tenant}/${agent}` },
    };
    const scopesOf = () => {
      const extra = kinds.filter((k) => k !== tight && rand() < 0.5).map((k) => all[k]);
      return [all[tight], ...extra].sort(() => rand() - 0.5);
    };

    const procs = Array.from({ length: processes }, (_, i) => {
      const pdb = i === 0 ? db : reopen(db);
      if (pdb !== db) extraDbs.push(pdb);
      return { db: pdb, parts: services(pdb, clock, `holder-${r}-${i}`) };
    });
    const requests = Array.from({ length: total }, (_, i) => ({
      id: `req_${r}_${processes}_${fits}_${i}`,
      scopes: scopesOf(),
      proc: procs[i % processes]!,
    }));
    const results = await Promise.all(
      requests.map((q) =>
        q.proc.parts.budgets.reserve({ requestId: q.id, tenantId: tenant, scopes: q.scopes, amount: cost }),
      ),
    );
    const admitted = requests.filter((_, i) => results[i]!.ok);
    expect(admitted.length, `round ${r} (tight ${tight}, seed ${seed})`).toBe(fits);
    for (const res of results) if (!res.ok) expect(res.error.status).toBe(402);

    // Settle at random actual costs ≤ the reservation; meter them in two batches.
    const charges: Charge[] = admitted.map((q) => {
      const actual = BigInt(Math.floor(rand() * Number(cost + 1n)));
      return {
        requestId: q.id,
        tenantId: tenant,
        amount: actual,
        attribution: q.proc.parts.budgets.settle(q.id, actual),
      };
    });
    await meter(db, ledger, procs[0]!.parts, charges.slice(0, fits / 2), clock.now());
    await meter(db, ledger, procs[0]!.parts, charges.slice(fits / 2), clock.now());
    for (const p of procs) await p.parts.budgets.close();
    // Give the other "processes'" connections back right away (PostgreSQL has a client limit).
    for (const p of procs) if (p.db !== db) await p.db.close();
    extraDbs.length = 0;

    const spent = charges.reduce((a, c) => a + c.amount, 0n);
    expect(spent).toBeLessThanOrEqual(limit);
    if (tight === 'wallet') {
      const w = await walletOf(db, tenant);
      expect(w).toEqual({ balance: limit - spent, reserved: 0n });
    } else {
      expect(await counterOf(db, scopeKey(all[tight]))).toEqual({ spent, reserved: 0n });
      expect((await walletOf(db, tenant)).reserved).toBe(0n);
    }
    for (const k of kinds) if (k !== 'wallet') expect((await counterOf(db, scopeKey(all[k]))).reserved).toBe(0n);
    expect(await activeLeases(db)).toBe(0);
    for (const p of procs) expect(p.parts.budgets.stats()).toEqual({ reservations: 0, leases: 0 });
  }

  it(`one process: exactly 50 of 200 over ${ROUNDS} randomized rounds`, { timeout: 240_000 }, async () => {
    for (let r = 0; r < ROUNDS; r++) await round(r, 1);
  });

  it(
    `three processes sharing the database: exactly 50 of 200 over ${ROUNDS} randomized rounds`,
    { timeout: 240_000 },
    async () => {
      for (let r = 0; r < ROUNDS; r++) await round(r, 3);
    },
  );

  // Big enough that processes start with slices (leases served from memory) and must switch to
  // exact takes near the end without stranding money: still exactly `fits` admitted.
  it('three processes, slices then exact takes: exactly 400 of 1200 over 3 rounds', { timeout: 240_000 }, async () => {
    for (let r = 0; r < 3; r++) await round(100 + r, 3, 400, 1200);
  });
});
