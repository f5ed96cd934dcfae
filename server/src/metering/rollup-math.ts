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

/**
 * Folds events into daily and monthly deltas (one per distinct key), one event at a time so a
 * long batch can pause between events.
 */
export class RollupAggregator {
  private readonly daily = new Map<string, Acc>();
  private readonly monthly = new Map<string, Acc>();
  // Many events share a day; formatting dates is the costly part, so memoise per UTC day number.
  private readonly dayCache = new Map<number, string>();

  add(p: PreparedEvent): void {
    const e = p.event;
    const dayNo = Math.floor(eventTime(e) / DAY_MS);
    let day = this.dayCache.get(dayNo);
    if (day === undefined) this.dayCache.set(dayNo, (day = utcDay(dayNo * DAY_MS)));
    const base = `${e.tenantId}\u0000${e.userId ?? ''}\u0000${e.keyId ?? ''}\u0000${e.agent ?? ''}\u0000${e.model}\u0000`;
    add(this.daily, base + day, day, p);
    add(this.monthly, base + day.slice(0, 7), day.slice(0, 7), p);
  }

  deltas(): RollupDeltas {
    return { daily: [...this.daily.values()].map(toDelta), monthly: [...this.monthly.values()].map(toDelta) };
  }
}

/** Fold a batch into daily and monthly deltas (one per distinct key). */
export function aggregateRollups(events: readonly PreparedEvent[]): RollupDeltas {
  const agg = new RollupAggregator();
  for (const p of events) agg.add(p);
  return agg.deltas();
}

/** Token sums stay JS numbers inside one batch (exact far below 2^53); money stays bigint. */
interface Acc {
  sample: PreparedEvent;
  period: string;
  requests: number;
  prompt: number;
  completion: number;
  cached: number;
  reasoning: number;
  cost: bigint;
}

function add(into: Map<string, Acc>, key: string, period: string, p: PreparedEvent): void {
  const e = p.event;
  const a = into.get(key);
  if (!a) {
    into.set(key, {
      sample: p,
      period,
      requests: 1,
      prompt: e.promptTokens,
      completion: e.completionTokens,
      cached: e.cachedTokens,
      reasoning: e.reasoningTokens,
      cost: p.cost,
    });
    return;
  }
  a.requests += 1;
  a.prompt += e.promptTokens;
  a.completion += e.completionTokens;
  a.cached += e.cachedTokens;
  a.reasoning += e.reasoningTokens;
  a.cost += p.cost;
}

function toDelta(a: Acc): RollupDelta {
  const e = a.sample.event;
  return {
    tenantId: e.tenantId,
    period: a.period,
    userId: e.userId ?? '',
    keyId: e.keyId ?? '',
    agent: e.agent ?? '',
    model: e.model,
    requests: BigInt(a.requests),
    promptTokens: BigInt(a.prompt),
    completionTokens: BigInt(a.completion),
    cachedTokens: BigInt(a.cached),
    reasoningTokens: BigInt(a.reasoning),
    totalTokens: BigInt(a.prompt + a.completion),
    cost: a.cost,
  };
}
