// Price API shapes: rates per million tokens as decimal strings, times as ISO strings.
import { z } from 'zod';
import { formatMoney, formatMultiplier } from '../shared/money.js';
import { decimalAmount } from '../wallets/wallet-schemas.js';
import type { MultiplierVersion, PriceVersion } from './price-rules.js';

const rate = z.string().describe('price per million tokens, decimal string');

export const priceSchema = z.object({
  id: z.string(),
  model: z.string(),
  deployment_id: z.string().nullable(),
  input_per_mtok: rate,
  output_per_mtok: rate,
  cached_input_per_mtok: rate.describe('falls back to input_per_mtok when not set'),
  cache_write_per_mtok: rate.describe('falls back to input_per_mtok when not set'),
  reasoning_per_mtok: rate.describe('falls back to output_per_mtok when not set'),
  free: z.boolean(),
  effective_from: z.string(),
});

export const adminPriceSchema = priceSchema.extend({
  created_by: z.string().nullable(),
  created_at: z.string(),
});

export const priceInputSchema = z.object({
  model: z.string().trim().min(1).max(200),
  deployment_id: z.string().trim().min(1).max(100).nullable().optional(),
  input_per_mtok: decimalAmount,
  output_per_mtok: decimalAmount,
  cached_input_per_mtok: decimalAmount.nullable().optional(),
  cache_write_per_mtok: decimalAmount.nullable().optional(),
  reasoning_per_mtok: decimalAmount.nullable().optional(),
  free: z.boolean().optional(),
  effective_from: z.iso.datetime({ offset: true }).optional().describe('ISO date-time; default now'),
});

export function priceView(v: PriceVersion): z.infer<typeof priceSchema> {
  const p = v.price;
  return {
    id: p.id,
    model: p.model,
    deployment_id: p.deploymentId,
    input_per_mtok: formatMoney(p.inputPerMTok),
    output_per_mtok: formatMoney(p.outputPerMTok),
    cached_input_per_mtok: formatMoney(p.cachedInputPerMTok),
    cache_write_per_mtok: formatMoney(p.cacheWritePerMTok),
    reasoning_per_mtok: formatMoney(p.reasoningPerMTok),
    free: p.free,
    effective_from: new Date(p.effectiveFrom).toISOString(),
  };
}

export function adminPriceView(v: PriceVersion): z.infer<typeof adminPriceSchema> {
  return { ...priceView(v), created_by: v.createdBy, created_at: new Date(v.createdAt).toISOString() };
}

export const multiplierSchema = z.object({
  id: z.string().nullable(),
  tenant_id: z.string(),
  multiplier: z.string().describe('decimal, e.g. "1.25" = 25% markup, "0.9" = 10% discount'),
  effective_from: z.string().nullable(),
});

export function multiplierView(tenantId: string, m: MultiplierVersion | null): z.infer<typeof multiplierSchema> {
  return {
    id: m?.id ?? null,
    tenant_id: tenantId,
    multiplier: formatMultiplier(m?.ppm ?? 1_000_000n),
    effective_from: m ? new Date(m.effectiveFrom).toISOString() : null,
  };
}
