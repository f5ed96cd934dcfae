// Pricing's pure core: which price version is in force at a moment, and what a usage costs under
// it. Every cost goes through money.costOf (one division, one upward rounding) so the result does
// not depend on how tokens are grouped. No I/O, no clock.
import { costOf, PPM, type Nano, type PricedTokens } from '../shared/money.js';
import type { ModelPrice, TokenCounts } from './ports.js';

/** A stored version: the resolved price plus the rates as entered (null = falls back). */
export interface PriceVersion {
  price: ModelPrice;
  raw: { cachedInputPerMTok: Nano | null; cacheWritePerMTok: Nano | null; reasoningPerMTok: Nano | null };
  createdBy: string | null;
  createdAt: number;
}

export interface MultiplierVersion {
  id: string;
  tenantId: string;
  ppm: bigint;
  effectiveFrom: number;
  createdBy: string | null;
  createdAt: number;
}

export interface RawPrice {
  id: string;
  model: string;
  deploymentId: string | null;
  inputPerMTok: Nano;
  outputPerMTok: Nano;
  cachedInputPerMTok: Nano | null;
  cacheWritePerMTok: Nano | null;
  reasoningPerMTok: Nano | null;
  free: boolean;
  effectiveFrom: number;
  createdBy: string | null;
  createdAt: number;
}

/** Resolve fallbacks once: cached input and cache writes default to the input rate, reasoning to output. */
export function toVersion(r: RawPrice): PriceVersion {
  return {
    price: {
      id: r.id,
      model: r.model,
      deploymentId: r.deploymentId,
      inputPerMTok: r.inputPerMTok,
      outputPerMTok: r.outputPerMTok,
      cachedInputPerMTok: r.cachedInputPerMTok ?? r.inputPerMTok,
      cacheWritePerMTok: r.cacheWritePerMTok ?? r.inputPerMTok,
      reasoningPerMTok: r.reasoningPerMTok ?? r.outputPerMTok,
      free: r.free,
      effectiveFrom: r.effectiveFrom,
    },
    raw: {
      cachedInputPerMTok: r.cachedInputPerMTok,
      cacheWritePerMTok: r.cacheWritePerMTok,
      reasoningPerMTok: r.reasoningPerMTok,
    },
    createdBy: r.createdBy,
    createdAt: r.createdAt,
  };
}

/** Version order: by effective time, then by creation (a later correction at the same instant wins). */
export function compareVersions(a: { effectiveFrom: number; createdAt: number; id: string }, b: typeof a): number {
  return a.effectiveFrom - b.effectiveFrom || a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** The latest element with effectiveFrom ≤ at in a list sorted by compareVersions, or null. */
export function inForceAt<T extends { effectiveFrom: number }>(sorted: readonly T[], at: number): T | null {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]!.effectiveFrom <= at) lo = mid + 1;
    else hi = mid;
  }
  return lo === 0 ? null : sorted[lo - 1]!;
}

export const priceKey = (model: string, deploymentId: string | null | undefined): string =>
  `${model}\u0000${deploymentId ?? ''}`;

/** A deployment-specific price beats the model's generic one; each is looked up at `at`. */
export function selectPrice(
  versions: ReadonlyMap<string, readonly ModelPrice[]>,
  model: string,
  at: number,
  deploymentId?: string | null,
): ModelPrice | null {
  const pick = (key: string) => inForceAt(versions.get(key) ?? [], at);
  if (deploymentId) {
    const specific = pick(priceKey(model, deploymentId));
    if (specific) return specific;
  }
  return pick(priceKey(model, null));
}

/** Non-negative difference: inconsistent counts from a provider must never produce negative tokens. */
const less = (a: number, b: number): bigint => BigInt(Math.max(0, a - b));

/**
 * Split a usage into priced parts. Cached tokens and cache writes are INCLUDED in promptTokens;
 * reasoning tokens are INCLUDED in completionTokens.
 */
export function pricedParts(p: ModelPrice, t: TokenCounts): PricedTokens[] {
  const cached = Math.min(t.cachedTokens, t.promptTokens);
  const cacheWrite = Math.min(t.cacheWriteTokens, t.promptTokens - cached);
  const reasoning = Math.min(t.reasoningTokens, t.completionTokens);
  return [
    { tokens: less(t.promptTokens, cached + cacheWrite), pricePerMTok: p.inputPerMTok },
    { tokens: BigInt(cached), pricePerMTok: p.cachedInputPerMTok },
    { tokens: BigInt(cacheWrite), pricePerMTok: p.cacheWritePerMTok },
    { tokens: less(t.completionTokens, reasoning), pricePerMTok: p.outputPerMTok },
    { tokens: BigInt(reasoning), pricePerMTok: p.reasoningPerMTok },
  ];
}

export function costFor(p: ModelPrice, t: TokenCounts, multiplierPpm: bigint = PPM): Nano {
  if (p.free) return 0n;
  return costOf(pricedParts(p, t), multiplierPpm);
}

/**
 * The most a call can cost: every prompt token at the dearest input-side rate and every allowed
 * output token at the dearest output-side rate, so the actual cost can never exceed it.
 */
export function upperBoundFor(
  p: ModelPrice,
  promptTokens: number,
  maxOutputTokens: number,
  multiplierPpm: bigint = PPM,
): Nano {
  if (p.free) return 0n;
  const max = (...xs: Nano[]) => xs.reduce((a, b) => (a > b ? a : b));
  return costOf(
    [
      {
        tokens: BigInt(Math.max(0, promptTokens)),
        pricePerMTok: max(p.inputPerMTok, p.cachedInputPerMTok, p.cacheWritePerMTok),
      },
      { tokens: BigInt(Math.max(0, maxOutputTokens)), pricePerMTok: max(p.outputPerMTok, p.reasoningPerMTok) },
    ],
    multiplierPpm,
  );
}

/** Same rates as entered (a repeated setPrice with these is a no-op). */
export function sameRates(
  v: PriceVersion,
  r: Omit<RawPrice, 'id' | 'createdBy' | 'createdAt' | 'effectiveFrom' | 'model' | 'deploymentId'>,
): boolean {
  return (
    v.price.inputPerMTok === r.inputPerMTok &&
    v.price.outputPerMTok === r.outputPerMTok &&
    v.raw.cachedInputPerMTok === r.cachedInputPerMTok &&
    v.raw.cacheWritePerMTok === r.cacheWritePerMTok &&
    v.raw.reasoningPerMTok === r.reasoningPerMTok &&
    v.price.free === r.free
  );
}
