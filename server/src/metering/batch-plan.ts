// Pure planning of one metering batch: which events are new (in-batch de-duplication), the usage
// rows to insert, the ledger charges, the budget spends and the rollup deltas. No I/O: the batch
// writer executes the plan inside one database transaction.
import type { SpendAttribution, ScopeRef } from '../budgets/ports.js';
import { ACCOUNTS, walletAccount, type PostingInput, type TransactionInput } from '../ledger/ports.js';
import type { Nano } from '../shared/money.js';
import { eventTime, type PreparedEvent } from './prepared-event.js';
import type { IngestOutcome } from './ports.js';

/** usage_records columns with their SQL types, in insert order (key order is the column order). */
const USAGE_COLUMN_TYPES = {
  id: 'text',
  request_id: 'text',
  tenant_id: 'text',
  user_id: 'text',
  key_id: 'text',
  agent: 'text',
  conversation_id: 'text',
  conversation_title: 'text',
  project: 'text',
  provider: 'text',
  deployment_id: 'text',
  model: 'text',
  prompt_tokens: 'bigint',
  completion_tokens: 'bigint',
  cached_tokens: 'bigint',
  cache_write_tokens: 'bigint',
  reasoning_tokens: 'bigint',
  total_tokens: 'bigint',
  cost: 'bigint',
  provider_cost: 'bigint',
  price_id: 'text',
  multiplier_ppm: 'bigint',
  latency_ms: 'bigint',
  ttft_ms: 'bigint',
  status: 'text',
  usage_source: 'text',
  source: 'text',
  stream: 'bigint',
  started_at: 'bigint',
  ended_at: 'bigint',
  metadata: 'text',
  content_hash: 'text',
  created_at: 'bigint',
  transaction_id: 'text',
} as const;

/** Column order shared by the SQLite prepared statement and the PostgreSQL unnest insert. */
export const USAGE_COLUMNS = Object.keys(USAGE_COLUMN_TYPES) as readonly (keyof typeof USAGE_COLUMN_TYPES)[];

/** Which columns are bigint (the rest are text): PostgreSQL's unnest needs the array types. */
export const USAGE_INT_COLUMNS: ReadonlySet<string> = new Set(
  USAGE_COLUMNS.filter((c) => USAGE_COLUMN_TYPES[c] === 'bigint'),
);

export type UsageRowValues = (string | number | bigint | null)[];

export function usageRowValues(
  p: PreparedEvent,
  id: string,
  createdAt: number,
  transactionId: string | null = null,
): UsageRowValues {
  const row: UsageRowValues = [];
  pushUsageRow(row, p, id, createdAt, transactionId);
  return row;
}

/** Append one row's values in USAGE_COLUMNS order to a flat (row-major) array: no array per row. */
export function pushUsageRow(
  into: unknown[],
  p: PreparedEvent,
  id: string,
  createdAt: number,
  transactionId: string | null,
): void {
  const e = p.event;
  into.push(
    id,
    e.requestId,
    e.tenantId,
    e.userId,
    e.keyId,
    e.agent,
    e.conversationId,
    e.conversationTitle,
    e.project,
    e.provider,
    e.deploymentId,
    e.model,
    e.promptTokens,
    e.completionTokens,
    e.cachedTokens,
    e.cacheWriteTokens,
    e.reasoningTokens,
    e.promptTokens + e.completionTokens,
    p.cost,
    e.providerCost === null ? null : BigInt(e.providerCost),
    p.priceId,
    p.multiplierPpm,
    e.latencyMs,
    e.ttftMs,
    e.status,
    e.usageSource,
    e.source,
    e.stream ? 1 : 0,
    e.startedAt,
    e.endedAt,
    e.metadata === null ? null : JSON.stringify(e.metadata),
    p.hash,
    createdAt,
    transactionId,
  );
}

/**
 * First occurrence of each request id wins inside a batch; later ones are duplicates (same hash)
 * or conflicts (different hash). Returns the winners' indexes and, per loser, its outcome relative
 * to the winner (resolved once the winner's own outcome is known).
 */
export function dedupeInBatch(items: readonly PreparedEvent[]): {
  winners: number[];
  losers: { index: number; winner: number; sameContent: boolean }[];
} {
  const first = new Map<string, number>();
  const winners: number[] = [];
  const losers: { index: number; winner: number; sameContent: boolean }[] = [];
  items.forEach((p, i) => {
    const w = first.get(p.event.requestId);
    if (w === undefined) {
      first.set(p.event.requestId, i);
      winners.push(i);
    } else {
      losers.push({ index: i, winner: w, sameContent: items[w]!.hash === p.hash });
    }
  });
  return { winners, losers };
}

/** A later copy inherits the winner's fate: a copy of a conflict is a conflict too. */
export function loserOutcome(winner: IngestOutcome, sameContent: boolean): IngestOutcome {
  return sameContent && winner !== 'conflict' ? 'duplicate' : 'conflict';
}

/**
 * The idempotency key of a batch's usage charge for one tenant: named after the first call it
 * covers. A request id is recorded (and so charged) once — the unique usage_records.request_id,
 * inserted in the same database transaction — so no two charges can share it.
 */
export const usageChargeKey = (firstRequestId: string): string => `usage-batch:${firstRequestId}`;

/**
 * The usage charges of a batch: per tenant ONE `usage_charge` transaction with one wallet line per
 * call (−cost, referencing the call's request id) and one revenue line (+Σ). `txnIds` are the ids
 * already stamped on the tenant's usage records; `calls` are the newly recorded calls with a cost.
 */
export function chargesFor(
  calls: readonly PreparedEvent[],
  txnIds: ReadonlyMap<string, string>,
  at: number,
): TransactionInput[] {
  const byTenant = new Map<string, PreparedEvent[]>();
  for (const p of calls) {
    let list = byTenant.get(p.event.tenantId);
    if (!list) byTenant.set(p.event.tenantId, (list = []));
    list.push(p);
  }
  const out: TransactionInput[] = [];
  for (const [tenantId, list] of byTenant) {
    const wallet = walletAccount(tenantId);
    const postings: PostingInput[] = new Array<PostingInput>(list.length + 1);
    let total = 0n;
    for (let n = 0; n < list.length; n++) {
      const p = list[n]!;
      postings[n] = { account: wallet, amount: -p.cost, reference: p.event.requestId };
      total += p.cost;
    }
    postings[list.length] = { account: ACCOUNTS.revenue, amount: total };
    const id = txnIds.get(tenantId);
    if (!id) throw new Error(`no usage charge id for tenant ${tenantId}`);
    out.push({
      id,
      idempotencyKey: usageChargeKey(list[0]!.event.requestId),
      kind: 'usage_charge',
      tenantId,
      postings,
      memo: `usage: ${list.length} ${list.length === 1 ? 'call' : 'calls'}`,
      at,
    });
  }
  return out;
}

/** External sources (seed 003, the queue) hold no lease: their spend hits every scope directly. */
export function directAttribution(p: PreparedEvent): SpendAttribution {
  const e = p.event;
  const scopes: ScopeRef[] = [
    { kind: 'wallet', id: e.tenantId },
    { kind: 'tenant', id: e.tenantId },
  ];
  if (e.userId) scopes.push({ kind: 'user', id: e.userId });
  if (e.keyId) scopes.push({ kind: 'key', id: e.keyId });
  if (e.agent) scopes.push({ kind: 'agent', id: `${e.tenantId}/${e.agent}` });
  return { scopes, leases: {} };
}

export interface Spend {
  tenantId: string;
  amount: Nano;
  at: number;
  attribution: SpendAttribution;
}

export function spendFor(p: PreparedEvent): Spend {
  return {
    tenantId: p.event.tenantId,
    amount: p.cost,
    at: eventTime(p.event),
    attribution: p.attribution ?? directAttribution(p),
  };
}

/**
 * The spends of a batch. Direct attributions are shared between events of the same (tenant, user,
 * key, agent): a batch has far fewer distinct callers than events, and the recorder only reads them.
 */
export function spendsFor(events: readonly PreparedEvent[]): Spend[] {
  const shared = new Map<string, SpendAttribution>();
  return events.map((p) => {
    let attribution = p.attribution ?? undefined;
    if (!attribution) {
      const e = p.event;
      const k = `${e.tenantId}\u0000${e.userId ?? ''}\u0000${e.keyId ?? ''}\u0000${e.agent ?? ''}`;
      attribution = shared.get(k);
      if (!attribution) shared.set(k, (attribution = directAttribution(p)));
    }
    return { tenantId: p.event.tenantId, amount: p.cost, at: eventTime(p.event), attribution };
  });
}
