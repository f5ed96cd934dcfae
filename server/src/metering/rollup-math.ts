// Pure rollup arithmetic: a batch of usage rows folded into per-(tenant, period, user, key, agent,
// model) deltas that the store adds to daily_consumption / monthly_consumption. Empty strings stand
// for "none" in key columns so the composite key is unique on PostgreSQL too (NULLs never collide).
import { eventTime, type PreparedEvent } from './prepared-event.js';

export interface RollupKey {
  tenantId: string;
  period: string;
  userId: string;
  keyId: string;
  agent: string;
  model: string;
}

export interface RollupDelta extends RollupKey {
  requests: bigint;
  promptTokens: bigint;
  completionTokens: bigint;
  cachedTokens: bigint;
  reasoningTokens: bigint;
  totalTokens: bigint;
  cost: bigint;
}

const DAY_MS = 86_400_000;

/** 'YYYY-MM-DD' of an epoch-ms instant in UTC. */
export function utcDay(ms: number): string {
  return new Date(Math.floor(ms / DAY_MS) * DAY_MS).toISOString().slice(0, 10);
}

/** 'YYYY-MM' of an epoch-ms instant in UTC. */
export const utcMonth = (ms: number): string => utcDay(ms).slice(0, 7);

export interface RollupDeltas {
  daily: RollupDelta[];
  monthly: RollupDelta[];
}

/** Fold a batch into daily and monthly deltas (one per distinct key). */
export function aggregateRollups(events: readonly PreparedEvent[]): RollupDeltas {
  const daily = new Map<string, RollupDelta>();
  const monthly = new Map<string, RollupDelta>();
  // Many events share a day; formatting dates is the costly part, so memoise per UTC day number.
  const dayCache = new Map<number, string>();
  for (const p of events) {
    const e = p.event;
    const dayNo = Math.floor(eventTime(e) / DAY_MS);
    let day = dayCache.get(dayNo);
    if (day === undefined) dayCache.set(dayNo, (day = utcDay(dayNo * DAY_MS)));
    const base = {
      tenantId: e.tenantId,
      userId: e.userId ?? '',
      keyId: e.keyId ?? '',
      agent: e.agent ?? '',
      model: e.model,
    };
    add(daily, { ...base, period: day }, p);
    add(monthly, { ...base, period: day.slice(0, 7) }, p);
  }
  return { daily: [...daily.values()], monthly: [...monthly.values()] };
}

function add(into: Map<string, RollupDelta>, key: RollupKey, p: PreparedEvent): void {
  const k = `${key.tenantId}\u0000${key.period}\u0000${key.userId}\u0000${key.keyId}\u0000${key.agent}\u0000${key.model}`;
  let d = into.get(k);
  if (!d) {
    d = {
      ...key,
      requests: 0n,
      promptTokens: 0n,
      completionTokens: 0n,
      cachedTokens: 0n,
      reasoningTokens: 0n,
      totalTokens: 0n,
      cost: 0n,
    };
    into.set(k, d);
  }
  const e = p.event;
  d.requests += 1n;
  d.promptTokens += BigInt(e.promptTokens);
  d.completionTokens += BigInt(e.completionTokens);
  d.cachedTokens += BigInt(e.cachedTokens);
  d.reasoningTokens += BigInt(e.reasoningTokens);
  d.totalTokens += BigInt(e.promptTokens + e.completionTokens);
  d.cost += p.cost;
}
