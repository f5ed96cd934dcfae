// Model-based test: a seeded random program of top-ups, reservations, settles with the metering
// charge (ledger post + recordSpend in one transaction), releases, expiries, refunds, adjustments,
// process restarts and replayed idempotency keys, checked after EVERY step against a model:
// postings sum to zero, each wallet balance equals the model's, no prepaid wallet goes negative
// (not even counting what is reserved), reserved never negative. The seed is printed;
// FC_SEED=<seed> reproduces a run. (fast-check generates the seed; the program is replayed from it.)
import fc from 'fast-check';
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { BudgetServiceParts } from '../../src/budgets/module.js';
import type { ScopeRef } from '../../src/budgets/ports.js';
import { toBig } from '../../src/db/database.js';
import { recomputeBalances } from '../../src/ledger/ledger-queries.js';
import { ManualClock } from '../../src/shared/clock.js';
import { AppError } from '../../src/shared/errors.js';
import { createWalletService } from '../../src/wallets/wallet-service.js';
import { createTestDb, eachDialect, type TestDb } from '../support/db.js';
import { defineBudget, ledgerOf, meter, services, type Charge } from './harness.js';
import { seededRandom } from '../support/seeded-random.js';

const USD = 1_000_000_000n;

eachDialect('money model', (dialect) => {
  let db: TestDb;
  beforeAll(async () => {
    db = await createTestDb(dialect);
  });
  afterAll(async () => db.close());

  const steps = Number(process.env['MODEL_STEPS'] ?? (dialect === 'sqlite' ? 10_000 : 2_000));
  const seed = Number(process.env['FC_SEED'] ?? fc.sample(fc.noBias(fc.integer({ min: 1, max: 2 ** 31 - 1 })), 1)[0]);

  it(
    `${steps} random operations keep the ledger, wallets and budgets consistent (FC_SEED=${seed})`,
    { timeout: 600_000 },
    async () => {
      console.log(`money model [${dialect}]: FC_SEED=${seed} MODEL_STEPS=${steps}`);
      const next = seededRandom(seed); // the whole program is a function of the seed
      const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1));
      const pick = <T>(xs: readonly T[]): T => xs[int(0, xs.length - 1)]!;

      const clock = new ManualClock();
      const ledger = ledgerOf(db, clock);
      const wallets = createWalletService(db.kysely, ledger, { currency: 'USD', now: () => clock.now() });
      const tenants = [`ten_m${seed}a`, `ten_m${seed}b`, `ten_m${seed}c`] as const;
      const postpaid = tenants[2];
      await wallets.setMode(postpaid, 'postpaid', 50n * USD);
      await defineBudget(db, 'tenant', tenants[0], tenants[0], 300n * USD);
      const users = [`usr_m${seed}1`, `usr_m${seed}2`];
      await defineBudget(db, 'user', tenants[0], users[0]!, 40n * USD, 'daily');
      await defineBudget(db, 'agent', tenants[1], 'bot', 25n * USD, 'weekly');

      const model = new Map<string, bigint>(tenants.map((t) => [t, 0n]));
      const live = new Map<string, { tenant: string; amount: bigint; proc: BudgetServiceParts }>();
      const unmetered: Charge[] = [];
      const metered: Charge[] = [];
      const pastMoves: {
        key: string;
        tenant: string;
        amount: bigint;
        kind: 'topUp' | 'refund' | 'credit' | 'debit';
      }[] = [];
      let proc = services(db, clock, `model-${seed}-0`, { lease: 30, reservation: 120 });
      let restarts = 0;
      let n = 0;

      const scopesFor = (t: string): ScopeRef[] => {
        const s: ScopeRef[] = [
          { kind: 'wallet', id: t },
          { kind: 'tenant', id: t },
        ];
        if (t === tenants[0]) s.push({ kind: 'user', id: pick(users) });
        if (t === tenants[1] && int(0, 1)) s.push({ kind: 'agent', id: `${t}/bot` });
        if (int(0, 3) === 0) s.push({ kind: 'key', id: `key_m${int(1, 3)}`, limit: 30n * USD, period: 'monthly' });
        return s;
      };
      const flushMeter = async () => {
        if (unmetered.length === 0) return;
        const batch = unmetered.splice(0, unmetered.length);
        await meter(db, ledger, proc, batch, clock.now());
        for (const c of batch) model.set(c.tenantId, model.get(c.tenantId)! - c.amount);
        metered.push(...batch);
      };
      const money = async (
        kind: 'topUp' | 'refund' | 'credit' | 'debit',
        tenant: string,
        amount: bigint,
        key: string,
      ) => {
        const input = { amount, idempotencyKey: key, at: clock.now() };
        try {
          if (kind === 'topUp') await wallets.topUp(tenant, input);
          else if (kind === 'refund') await wallets.refund(tenant, input);
          else
            await wallets.adjust(tenant, {
              ...input,
              operation: kind === 'credit' ? 'CREDIT' : 'DEBIT',
              reason: 'model',
            });
          const sign = kind === 'topUp' || kind === 'credit' ? 1n : -1n;
          model.set(tenant, model.get(tenant)! + sign * amount);
          pastMoves.push({ key, tenant, amount, kind });
        } catch (e) {
          // Money out beyond what is available (balance − reserved) is refused; nothing moved.
          if (!(e instanceof AppError && e.code === 'insufficient_balance')) throw e;
        }
      };

      const check = async (what: string) => {
        const ctx = `step ${n} (${what}), FC_SEED=${seed}`;
        const total = await sql<{ s: unknown }>`select coalesce(sum(amount), 0) as s from ledger_postings`.execute(
          db.kysely,
        );
        expect(toBig(total.rows[0]!.s), ctx).toBe(0n);
        const rows = await db.kysely
          .selectFrom('wallets')
          .select(['tenant_id', 'mode', 'balance', 'reserved', 'credit_limit'])
          .where('tenant_id', 'in', [...tenants])
          .execute();
        for (const w of rows) {
          const balance = toBig(w.balance);
          const reserved = toBig(w.reserved);
          expect(balance, `${ctx}: balance of ${w.tenant_id}`).toBe(model.get(w.tenant_id));
          expect(reserved >= 0n, `${ctx}: reserved ≥ 0`).toBe(true);
          const floor = w.mode === 'prepaid' ? 0n : -toBig(w.credit_limit);
          expect(
            balance - reserved >= floor,
            `${ctx}: ${w.tenant_id} ${w.mode} balance ${balance} reserved ${reserved}`,
          ).toBe(true);
        }
        const neg = await db.kysely
          .selectFrom('budget_counters')
          .select('scope_key')
          .where('reserved', '<', 0n)
          .execute();
        expect(neg, ctx).toEqual([]);
      };

      for (n = 0; n < steps; n++) {
        const t = pick(tenants);
        const op = int(0, 99);
        let what: string;
        if (op < 12) {
          what = 'top-up';
          await money('topUp', t, (BigInt(int(1, 40)) * USD) / BigInt(int(1, 4)), `top:${seed}:${n}`);
        } else if (op < 45) {
          what = 'reserve';
          const amount = BigInt(int(1, 3_000)) * (USD / 1000n);
          const id = `req:${seed}:${n}`;
          const r = await proc.budgets.reserve({ requestId: id, tenantId: t, scopes: scopesFor(t), amount });
          if (r.ok) live.set(id, { tenant: t, amount, proc });
        } else if (op < 70) {
          what = 'settle';
          const ids = [...live.keys()];
          if (ids.length) {
            const id = pick(ids);
            const res = live.get(id)!;
            live.delete(id);
            // Postpaid calls may cost a little more than reserved; prepaid never beyond the reservation.
            const extra = res.tenant === postpaid && int(0, 9) === 0 ? BigInt(int(1, 1000)) : 0n;
            const actual = (res.amount * BigInt(int(0, 100))) / 100n + extra;
            const attribution = res.proc.budgets.settle(id, actual);
            unmetered.push({ requestId: id, tenantId: res.tenant, amount: actual, attribution });
            if (int(0, 3) === 0) await flushMeter();
          }
        } else if (op < 78) {
          what = 'release';
          const ids = [...live.keys()];
          if (ids.length) {
            const id = pick(ids);
            live.get(id)!.proc.budgets.release(id);
            live.delete(id);
          }
        } else if (op < 82) {
          what = 'refund';
          await money('refund', t, (BigInt(int(1, 20)) * USD) / 4n, `refund:${seed}:${n}`);
        } else if (op < 88) {
          what = 'adjust';
          await money(int(0, 1) ? 'credit' : 'debit', t, (BigInt(int(1, 20)) * USD) / 4n, `adj:${seed}:${n}`);
        } else if (op < 93) {
          what = 'replay';
          if (pastMoves.length) {
            const m = pick(pastMoves);
            const same = int(0, 2) > 0;
            try {
              await money(m.kind, m.tenant, same ? m.amount : m.amount + 1n, m.key);
              // money() applied it to the model: undo, a replay must change nothing.
              if (same)
                model.set(
                  m.tenant,
                  model.get(m.tenant)! - (m.kind === 'topUp' || m.kind === 'credit' ? 1n : -1n) * m.amount,
                );
              expect(same, 'a replay with different content must conflict').toBe(true);
              pastMoves.pop();
            } catch (e) {
              expect(e instanceof AppError && e.code === 'idempotency_conflict' && !same, String(e)).toBe(true);
            }
            // Replayed usage charge: the ledger ignores it (metering would not call recordSpend again).
            const c = metered.length ? pick(metered) : null;
            if (c && c.amount > 0n) {
              const tx = await ledger
                .post({
                  idempotencyKey: `usage:${c.requestId}`,
                  kind: 'usage_charge',
                  tenantId: c.tenantId,
                  postings: [
                    { account: `wallet:${c.tenantId}`, amount: -c.amount },
                    { account: 'platform:revenue', amount: c.amount },
                  ],
                  reference: c.requestId,
                  at: clock.now(),
                })
                .catch((e: unknown) => e);
              expect((tx as { replayed?: boolean }).replayed, 'usage replay').toBe(true);
            }
          }
        } else if (op < 97) {
          what = 'time passes';
          // Metering flushes every METERING_FLUSH_MS (50 ms), long before a lease's flush grace.
          await flushMeter();
          clock.advance(int(1, 20) * 1000);
          await proc.budgets.tick();
        } else if (op < 99) {
          what = 'expire';
          // Everything live is forgotten by its caller: reservations expire, leases get swept.
          clock.advance(121_000);
          await flushMeter();
          for (const id of live.keys()) live.delete(id);
          await proc.budgets.tick();
        } else {
          what = 'restart';
          await flushMeter();
          for (const [id, r] of live) {
            r.proc.budgets.release(id);
            live.delete(id);
          }
          await proc.budgets.close();
          proc = services(db, clock, `model-${seed}-${++restarts}`, { lease: 30, reservation: 120 });
        }
        await check(what);
      }

      await flushMeter();
      for (const [id, r] of live) r.proc.budgets.release(id);
      await proc.budgets.close();
      await check('end');
      const audit = await recomputeBalances(db.kysely);
      expect(audit.mismatches).toEqual([]);
      const leftovers = await db.kysely
        .selectFrom('wallets')
        .select('reserved')
        .where('tenant_id', 'in', [...tenants])
        .execute();
      expect(leftovers.map((w) => toBig(w.reserved))).toEqual([0n, 0n, 0n]);
      const counters = await db.kysely
        .selectFrom('budget_counters')
        .select(['scope_key', 'reserved'])
        .where('reserved', '!=', 0n)
        .execute();
      expect(counters).toEqual([]);
      const active = await db.kysely.selectFrom('budget_leases').select('id').where('status', '=', 'active').execute();
      expect(active).toEqual([]);
    },
  );
});
