// Assertions on what a gateway call left behind: exactly one usage record and exactly one ledger
// charge line for its request id (a wallet posting in a usage_charge transaction), with the cost
// recomputed independently from tokens × catalog price × tenant multiplier using shared/money.ts costOf.
import { expect } from 'vitest';
import { costOf, parseMoney, parseMultiplier, PPM } from '../../src/shared/money.js';
import { walletAccount } from '../../src/ledger/ports.js';
import type { TokenCounts } from '../../src/pricing/ports.js';
import type { World } from './world.js';

export interface Rates {
  input: string;
  output: string;
}

export function expectedCost(u: TokenCounts, rates: Rates, multiplier?: string): bigint {
  return costOf(
    [
      { tokens: BigInt(u.promptTokens), pricePerMTok: parseMoney(rates.input) },
      { tokens: BigInt(u.completionTokens), pricePerMTok: parseMoney(rates.output) },
    ],
    multiplier ? parseMultiplier(multiplier) : PPM,
  );
}

export async function usageRecordsOf(w: World, requestId: string) {
  await w.t.metering.pipeline.flush();
  return w.t.db.kysely.selectFrom('usage_records').selectAll().where('request_id', '=', requestId).execute();
}

/** Exactly one usage record and one ledger charge of `cost` for the request; returns the record. */
export async function expectOneCharge(w: World, requestId: string, cost: bigint) {
  const records = await usageRecordsOf(w, requestId);
  expect(records, `usage records of ${requestId}`).toHaveLength(1);
  const rec = records[0]!;
  expect(rec.cost).toBe(cost);
  // The charge: exactly one wallet line anywhere in the ledger names this call, inside the
  // usage_charge transaction the record points at; that transaction balances.
  const lines = await w.t.db.kysely
    .selectFrom('ledger_postings')
    .selectAll()
    .where('reference', '=', requestId)
    .execute();
  expect(lines, `ledger charge lines of ${requestId}`).toHaveLength(1);
  const line = lines[0]!;
  expect(line.account).toBe(walletAccount(w.tenantId));
  expect(line.amount).toBe(-cost);
  expect(line.transaction_id).toBe(rec.transaction_id);
  const txn = await w.t.db.kysely
    .selectFrom('ledger_transactions')
    .selectAll()
    .where('id', '=', line.transaction_id)
    .executeTakeFirstOrThrow();
  expect(txn.kind).toBe('usage_charge');
  expect(txn.tenant_id).toBe(w.tenantId);
  const postings = await w.t.db.kysely
    .selectFrom('ledger_postings')
    .selectAll()
    .where('transaction_id', '=', txn.id)
    .execute();
  expect(postings.reduce((a, p) => a + p.amount, 0n)).toBe(0n);
  return rec;
}
