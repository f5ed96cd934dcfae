// Model-based test of ledger + wallets (fast-check): random top-ups, credits, debits, refunds,
// usage charges, reversals, replayed and conflicting idempotency keys. After every step the
// postings sum to zero, every cache equals the postings, each wallet equals the model's balance and
// no prepaid wallet is negative. A failing run prints its seed; `fc.assert(…, { seed })` replays it.
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createLedgerStore, type LedgerStore } from '../../src/ledger/ledger-store.js';
import { recomputeBalances } from '../../src/ledger/ledger-queries.js';
import { ACCOUNTS, walletAccount, type TransactionInput } from '../../src/ledger/ports.js';
import { createWalletService, type WalletService } from '../../src/wallets/wallet-service.js';
import { createTestDb, eachDialect, type TestDb } from '../support/db.js';

const T0 = Date.UTC(2026, 0, 15);
type Op =
  | { t: 'topUp' | 'credit' | 'debit' | 'refund' | 'charge'; tenant: number; amount: bigint }
  | { t: 'replay' | 'conflict' | 'reverse'; pick: number };

const amount = fc.bigInt({ min: 1n, max: 5_000_000n });
const tenant = fc.integer({ min: 0, max: 2 });
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    t: fc.constantFrom('topUp' as const, 'credit' as const, 'debit' as const, 'refund' as const, 'charge' as const),
    tenant,
    amount,
  }),
  fc.record({ t: fc.constantFrom('replay' as const, 'conflict' as const, 'reverse' as const), pick: fc.nat() }),
);

interface Done {
  key: string;
  tenantId: string;
  /** effect on the wallet */
  delta: bigint;
  txnId: string;
  replay: () => Promise<{ id: string; replayed: boolean }>;
  conflict: () => Promise<unknown>;
  reversed: boolean;
}

eachDialect('ledger model', (dialect) => {
  let db: TestDb;
  let ledger: LedgerStore;
  let wallets: WalletService;
  let run = 0;
  beforeAll(async () => {
    db = await createTestDb(dialect);
    ledger = createLedgerStore(db, { currency: 'USD', now: () => T0 });
    wallets = createWalletService(db.kysely, ledger, { currency: 'USD', now: () => T0 });
  });
  afterAll(async () => db.close());

  it('random money movements keep the books balanced and match the model', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 40 }), async (ops) => {
        run++;
        const model = new Map<string, bigint>();
        const done: Done[] = [];
        const tid = (i: number) => `ten_r${run}_${i}`;
        let n = 0;
        for (const o of ops) {
          const key = `r${run}-${n++}`;
          if ('pick' in o) {
            if (done.length === 0) continue;
            const d = done[o.pick % done.length]!;
            if (o.t === 'replay') {
              const again = await d.replay();
              expect(again).toMatchObject({ id: d.txnId, replayed: true });
            } else if (o.t === 'conflict') {
              await expect(d.conflict()).rejects.toMatchObject({ code: 'idempotency_conflict' });
            } else {
              const after = (model.get(d.tenantId) ?? 0n) - d.delta;
              if (d.reversed) {
                await expect(ledger.reverse(d.txnId, `${key}-rev`)).rejects.toMatchObject({ code: 'conflict' });
              } else if (after >= 0n) {
                await ledger.reverse(d.txnId, `${key}-rev`);
                d.reversed = true;
                model.set(d.tenantId, after);
              }
            }
          } else {
            const tenantId = tid(o.tenant);
            const balance = model.get(tenantId) ?? 0n;
            const out = o.t === 'debit' || o.t === 'refund' || o.t === 'charge';
            if (o.t === 'charge' && balance < o.amount) continue; // a budget reservation would have refused it
            const exec = (a: bigint): Promise<{ transaction: { id: string; replayed: boolean } }> => {
              if (o.t === 'topUp') return wallets.topUp(tenantId, { amount: a, idempotencyKey: key });
              if (o.t === 'refund') return wallets.refund(tenantId, { amount: a, idempotencyKey: key });
              if (o.t === 'charge') {
                const input: TransactionInput = {
                  idempotencyKey: key,
                  kind: 'usage_charge',
                  tenantId,
                  postings: [
                    { account: walletAccount(tenantId), amount: -a },
                    { account: ACCOUNTS.revenue, amount: a },
                  ],
                  at: T0,
                };
                return ledger.post(input).then((transaction) => ({ transaction }));
              }
              return wallets.adjust(tenantId, {
                amount: a,
                operation: o.t === 'credit' ? 'CREDIT' : 'DEBIT',
                reason: 'model',
                idempotencyKey: key,
              });
            };
            if (out && o.t !== 'charge' && balance < o.amount) {
              await expect(exec(o.amount)).rejects.toMatchObject({ code: 'insufficient_balance' });
              continue;
            }
            const { transaction } = await exec(o.amount);
            const delta = out ? -o.amount : o.amount;
            model.set(tenantId, balance + delta);
            done.push({
              key,
              tenantId,
              delta,
              txnId: transaction.id,
              replay: () => exec(o.amount).then((r) => r.transaction),
              conflict: () => exec(o.amount + 1n),
              reversed: false,
            });
          }
          const audit = await recomputeBalances(db.kysely);
          expect(audit.mismatches).toEqual([]);
          expect(audit.totalOfPostings).toBe(0n);
          for (const [tenantId, expected] of model) {
            const w = await wallets.getWallet(tenantId);
            expect(w.balance).toBe(expected);
            expect(w.balance >= 0n).toBe(true);
          }
        }
      }),
      { numRuns: dialect === 'sqlite' ? 25 : 12 },
    );
  });
});
