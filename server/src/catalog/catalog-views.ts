// What the admin API shows of providers and models. Secrets never leave: a provider shows
// `api_key_set` and at most the key's last 4 characters; header values whose names look secret
// are masked.
import { z } from 'zod';
import type { ProviderType } from '../providers/ports.js';
import type { ModelPrice } from '../pricing/ports.js';
import type { RoutingStrategy } from '../routing/ports.js';
import { toNum } from '../db/database.js';
import { openSecret, secretHint } from '../shared/crypto.js';
import { formatMoney } from '../shared/money.js';
import { MODEL_KINDS, STRATEGIES } from './catalog-schema.js';
import type { DeploymentRow, ModelRow, ProviderRow } from './catalog-store.js';
import { PROVIDER_TYPES, effectiveBaseUrl } from './provider-defaults.js';

const SECRET_HEADER = /auth|key|token|secret|cookie|password|signature/i;
export const MASK = '********';

const iso = (ms: bigint): string => new Date(toNum(ms)).toISOString();

export const providerViewSchema = z.object({
  id: z.string(),
  type: z.enum(PROVIDER_TYPES),
  base_url: z.string().nullable(),
  api_key_set: z.boolean(),
  api_key_last4: z.string().nullable(),
  api_version: z.string().nullable(),
  headers: z.record(z.string(), z.string()),
  managed_by: z.enum(['file', 'api']),
  status: z.enum(['active', 'disabled']),
  /** false when the stored secret cannot be decrypted with the current TOLLGATE_SECRET. */
  secret_readable: z.boolean(),
  deployments: z.number().int(),
  created_at: z.string(),
  updated_at: z.string(),
});
export type ProviderView = z.infer<typeof providerViewSchema>;

export function providerView(row: ProviderRow, key: Buffer, deployments: number): ProviderView {
  let last4: string | null = null;
  let headers: Record<string, string> = {};
  let readable = true;
  try {
    if (row.api_key_encrypted) last4 = secretHint(openSecret(row.api_key_encrypted, key));
    if (row.headers_encrypted) {
      const plain = JSON.parse(openSecret(row.headers_encrypted, key)) as Record<string, string>;
      headers = Object.fromEntries(Object.entries(plain).map(([k, v]) => [k, SECRET_HEADER.test(k) ? MASK : v]));
    }
  } catch {
    readable = false;
  }
  return {
    id: row.id,
    type: row.type as ProviderType,
    base_url: effectiveBaseUrl(row.type as ProviderType, row.base_url),
    api_key_set: row.api_key_encrypted !== null,
    api_key_last4: last4,
    api_version: row.api_version,
    headers,
    managed_by: row.managed_by,
    status: row.status,
    secret_readable: readable,
    deployments,
    created_at: iso(row.created_at),
    updated_at: iso(row.updated_at),
  };
}

const pricingViewSchema = z.object({
  input_per_mtok: z.string(),
  output_per_mtok: z.string(),
  cached_input_per_mtok: z.string(),
  price_id: z.string(),
});

export const deploymentViewSchema = z.object({
  id: z.string(),
  provider: z.string(),
  model: z.string(),
  priority: z.number().int(),
  weight: z.number().int(),
  max_output_tokens: z.number().int().nullable(),
  timeout_ms: z.number().int().nullable(),
  status: z.enum(['active', 'disabled']),
  pricing: pricingViewSchema.nullable(),
});

export const modelViewSchema = z.object({
  name: z.string(),
  kinds: z.array(z.enum(MODEL_KINDS)),
  free: z.boolean(),
  description: z.string().nullable(),
  status: z.enum(['active', 'disabled']),
  routing: z.object({ strategy: z.enum(STRATEGIES) }).nullable(),
  managed_by: z.enum(['file', 'api']),
  deployments: z.array(deploymentViewSchema),
  /** The model-wide price in force now, when the money module knows one. */
  pricing: pricingViewSchema.nullable(),
  created_at: z.string(),
  updated_at: z.string(),
});
export type ModelView = z.infer<typeof modelViewSchema>;

function pricingView(p: ModelPrice | null): z.infer<typeof pricingViewSchema> | null {
  if (!p) return null;
  return {
    input_per_mtok: formatMoney(p.inputPerMTok, 0),
    output_per_mtok: formatMoney(p.outputPerMTok, 0),
    cached_input_per_mtok: formatMoney(p.cachedInputPerMTok, 0),
    price_id: p.id,
  };
}

export function modelView(
  row: ModelRow,
  deployments: readonly DeploymentRow[],
  priceOf: (deploymentId: string | null) => ModelPrice | null,
): ModelView {
  let kinds: ModelView['kinds'] = ['chat'];
  try {
    kinds = JSON.parse(row.kinds) as ModelView['kinds'];
  } catch {
    // keep the default
  }
  const modelPrice = priceOf(null);
  return {
    name: row.name,
    kinds,
    free: toNum(row.free) === 1,
    description: row.description,
    status: row.status,
    routing: row.routing_strategy ? { strategy: row.routing_strategy as RoutingStrategy } : null,
    managed_by: row.managed_by,
    deployments: deployments.map((d) => {
      const p = priceOf(d.id);
      return {
        id: d.id,
        provider: d.provider_id,
        model: d.upstream_model,
        priority: toNum(d.priority),
        weight: toNum(d.weight),
        max_output_tokens: d.max_output_tokens === null ? null : toNum(d.max_output_tokens),
        timeout_ms: d.timeout_ms === null ? null : toNum(d.timeout_ms),
        status: d.status,
        // A deployment's own price only (the model-wide one is shown once on the model).
        pricing: p && p.deploymentId === d.id ? pricingView(p) : null,
      };
    }),
    pricing: pricingView(modelPrice),
    created_at: iso(row.created_at),
    updated_at: iso(row.updated_at),
  };
}
