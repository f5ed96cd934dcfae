// The shapes an operator writes (YAML file) and sends (admin API) for providers and models, as zod
// schemas: one definition for validation, types and the OpenAPI document. Field names are
// snake_case like LiteLLM's model_list, which operators already know.
import { z } from 'zod';
import { DECIMAL_AMOUNT, decimalTextOf } from '../shared/money.js';
import { PROVIDER_TYPES, isSafeHttpUrl } from './provider-defaults.js';

export const STRATEGIES = ['priority', 'weighted', 'lowest-cost', 'lowest-latency'] as const;
export const MODEL_KINDS = ['chat', 'embeddings', 'completions'] as const;

export const providerIdSchema = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/,
    'must be 1–63 letters, digits, ".", "_" or "-", starting with a letter or digit',
  );

export const modelNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:/@+-]{0,199}$/, 'must be 1–200 characters: letters, digits and . _ : / @ + -');

const httpUrlSchema = z
  .string()
  .trim()
  .max(2048)
  .refine(isSafeHttpUrl, 'must be an http:// or https:// URL without credentials');

const headerNameSchema = z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,100}$/, 'must be a valid HTTP header name');
// Header values travel verbatim upstream: refuse CR/LF so a value cannot smuggle extra headers.
const headerValueSchema = z
  .string()
  .max(4096)
  .regex(/^[^\r\n]*$/, 'must not contain line breaks');
const RESERVED_HEADERS = new Set(['host', 'content-length', 'transfer-encoding', 'connection']);

export const headersSchema = z
  .record(headerNameSchema, headerValueSchema)
  .refine(
    (h) => Object.keys(h).every((k) => !RESERVED_HEADERS.has(k.toLowerCase())),
    'must not set Host, Content-Length, Transfer-Encoding or Connection',
  );

/**
 * A decimal price per million tokens: "0.15" (a YAML number like 0.15 or 1e-7 is read as its
 * decimal text). Bounded like every API amount: a larger one would overflow the 64-bit column.
 */
export const decimalPriceSchema = z
  .union([z.string(), z.number()])
  .transform((v) => {
    if (typeof v === 'string') return v.trim();
    try {
      return decimalTextOf(v);
    } catch {
      return String(v);
    }
  })
  .refine(
    (v) => DECIMAL_AMOUNT.test(v),
    'must be a non-negative decimal below 1000000000 with at most 9 fraction digits, e.g. "0.15"',
  );

export const pricingSchema = z.strictObject({
  input_per_mtok: decimalPriceSchema,
  output_per_mtok: decimalPriceSchema,
  cached_input_per_mtok: decimalPriceSchema.optional(),
  cache_write_per_mtok: decimalPriceSchema.optional(),
  reasoning_per_mtok: decimalPriceSchema.optional(),
});
export type PricingSpec = z.infer<typeof pricingSchema>;

const statusSchema = z.enum(['active', 'disabled']);

/** Fields of a provider other than its id (PUT body). `api_key: null` clears, absent keeps. */
export const providerFieldsSchema = z.strictObject({
  type: z.enum(PROVIDER_TYPES),
  base_url: httpUrlSchema.nullish(),
  // An empty key (e.g. `${OPENAI_API_KEY:-}` with the variable unset) means "no key".
  api_key: z
    .string()
    .max(8192)
    .nullish()
    .transform((v) => (v === '' ? null : v)),
  api_version: z.string().min(1).max(64).nullish(),
  headers: headersSchema.optional(),
  status: statusSchema.optional(),
});

function checkProvider(p: z.infer<typeof providerFieldsSchema>, ctx: z.RefinementCtx): void {
  if (p.type === 'azure-openai') {
    if (!p.base_url)
      ctx.addIssue({
        code: 'custom',
        path: ['base_url'],
        message: 'is required for azure-openai (https://<resource>.openai.azure.com)',
      });
    if (!p.api_version)
      ctx.addIssue({
        code: 'custom',
        path: ['api_version'],
        message: 'is required for azure-openai, e.g. "2024-10-21"',
      });
  }
}

export const providerUpdateSchema = providerFieldsSchema.superRefine(checkProvider);
export const providerSpecSchema = providerFieldsSchema.extend({ id: providerIdSchema }).superRefine(checkProvider);
/** absent api_key = keep the stored one (PUT), null = none. */
export type ProviderUpdate = Omit<z.infer<typeof providerUpdateSchema>, 'api_key'> & {
  api_key?: string | null | undefined;
};
export type ProviderSpec = z.infer<typeof providerSpecSchema>;

export const deploymentSpecSchema = z.strictObject({
  /** Optional stable id (`dep_…`); derived from model, provider and upstream model when absent. */
  id: z
    .string()
    .regex(/^dep_[A-Za-z0-9_-]{1,60}$/, 'must look like dep_…')
    .optional(),
  provider: providerIdSchema,
  /** Upstream model name (Azure: the deployment name). */
  model: z.string().min(1).max(200),
  /** Lower is tried first; defaults to the position in the list (1, 2, …). */
  priority: z.number().int().min(0).max(1_000_000).optional(),
  weight: z.number().int().min(0).max(1_000_000).default(1),
  max_output_tokens: z.number().int().min(1).max(10_000_000).nullish(),
  timeout_ms: z.number().int().min(100).max(3_600_000).nullish(),
  status: statusSchema.default('active'),
  /** A price specific to this deployment (lowest-cost routing compares these). */
  pricing: pricingSchema.optional(),
});
export type DeploymentSpec = z.infer<typeof deploymentSpecSchema>;

export const modelFieldsSchema = z.strictObject({
  kinds: z.array(z.enum(MODEL_KINDS)).min(1).default(['chat']),
  free: z.boolean().default(false),
  description: z.string().max(1000).nullish(),
  status: statusSchema.default('active'),
  routing: z.strictObject({ strategy: z.enum(STRATEGIES) }).nullish(),
  deployments: z.array(deploymentSpecSchema).max(100).default([]),
  pricing: pricingSchema.optional(),
});

function checkModel(m: z.infer<typeof modelFieldsSchema>, ctx: z.RefinementCtx): void {
  const ids = new Set<string>();
  m.deployments.forEach((d, i) => {
    if (d.id && ids.has(d.id))
      ctx.addIssue({ code: 'custom', path: ['deployments', i, 'id'], message: `duplicate deployment id "${d.id}"` });
    if (d.id) ids.add(d.id);
  });
}

export const modelUpdateSchema = modelFieldsSchema.superRefine(checkModel);
export const modelSpecSchema = modelFieldsSchema.extend({ name: modelNameSchema }).superRefine(checkModel);
export type ModelUpdate = z.infer<typeof modelUpdateSchema>;
export type ModelSpec = z.infer<typeof modelSpecSchema>;

/** The whole operator file. */
export const catalogFileSchema = z
  .strictObject({
    providers: z.array(providerSpecSchema).default([]),
    models: z.array(modelSpecSchema).default([]),
    routing: z.strictObject({ strategy: z.enum(STRATEGIES) }).optional(),
  })
  .superRefine((f, ctx) => {
    const seen = new Set<string>();
    f.providers.forEach((p, i) => {
      if (seen.has(p.id))
        ctx.addIssue({ code: 'custom', path: ['providers', i, 'id'], message: `duplicate provider id "${p.id}"` });
      seen.add(p.id);
    });
    const names = new Set<string>();
    f.models.forEach((m, i) => {
      if (names.has(m.name))
        ctx.addIssue({ code: 'custom', path: ['models', i, 'name'], message: `duplicate model name "${m.name}"` });
      names.add(m.name);
    });
  });
export type CatalogFile = z.infer<typeof catalogFileSchema>;
