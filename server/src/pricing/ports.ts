// The price catalog as the gateway and metering use it: versioned model prices and versioned
// per-tenant multipliers, served from memory (reloaded on 'pricing.changed').
import type { Nano } from '../shared/money.js';

export interface ModelPrice {
  /** Price version id (`prc_…`); a usage record keeps the version it was charged with. */
  id: string;
  model: string;
  /** Optional provider deployment this price is specific to; null = any deployment. */
  deploymentId: string | null;
  /** nano-units per million tokens */
  inputPerMTok: Nano;
  outputPerMTok: Nano;
  cachedInputPerMTok: Nano;
  cacheWritePerMTok: Nano;
  reasoningPerMTok: Nano;
  /** Operator marked the model free: cost is zero on purpose. */
  free: boolean;
  effectiveFrom: number;
}

export interface TokenCounts {
  promptTokens: number;
  completionTokens: number;
  /** Included in promptTokens (OpenAI convention), priced at the cached rate. */
  cachedTokens: number;
  /** Cache writes (Anthropic), included in promptTokens. */
  cacheWriteTokens: number;
  /** Included in completionTokens, priced at the reasoning rate. */
  reasoningTokens: number;
}

export interface PricedCost {
  cost: Nano;
  priceId: string;
  multiplierPpm: bigint;
  multiplierId: string | null;
}

export interface PriceCatalog {
  /** The price in force for `model` (and deployment) at `at`, or null when unpriced. */
  priceAt(model: string, at: number, deploymentId?: string | null): ModelPrice | null;
  /** The tenant's multiplier in force at `at` (ppm; 1_000_000n when none). */
  multiplierAt(tenantId: string, at: number): { ppm: bigint; id: string | null };
  /** Price a usage: null when the model is unpriced and not free (caller refuses model_not_priced). */
  price(
    tenantId: string,
    model: string,
    tokens: TokenCounts,
    at: number,
    deploymentId?: string | null,
  ): PricedCost | null;
  /** Upper-bound cost for a reservation: prompt estimate + max output at the output rate. */
  upperBound(
    tenantId: string,
    model: string,
    promptTokens: number,
    maxOutputTokens: number,
    at: number,
    deploymentId?: string | null,
  ): Nano | null;
}

/** Decimal-string prices as the API and the YAML file give them (per million tokens). */
export interface PriceInput {
  model: string;
  deploymentId?: string | null;
  inputPerMTok: string;
  outputPerMTok: string;
  cachedInputPerMTok?: string | null;
  cacheWritePerMTok?: string | null;
  reasoningPerMTok?: string | null;
  free?: boolean;
  /** epoch ms; default now. */
  effectiveFrom?: number;
}

export interface PriceWriter {
  /** Add a price version; a no-op returning the current version when nothing changed. */
  setPrice(input: PriceInput, actorId?: string | null): Promise<ModelPrice>;
}
