// Tenant shapes at the HTTP boundary (seed 002 field names) and for stored settings JSON.
import { z } from 'zod';
import { isTimeZone } from '../budgets/period.js';
import { providerPreferencesSchema } from '../routing/preferences.js';
import { nestedDeeperThan } from '../shared/json-depth.js';
import { SLUG_PATTERN } from './slug.js';

export const TENANT_TYPES = ['internal', 'demo', 'development', 'customer'] as const;
export const TENANT_STATUSES = ['pending', 'active', 'suspended', 'deleted'] as const;
export type TenantType = (typeof TENANT_TYPES)[number];
export type TenantStatus = (typeof TENANT_STATUSES)[number];

/**
 * Standing provider preferences are routing's schema, strict: a mistyped field in stored settings
 * is refused rather than silently ignored at call time.
 */
const tenantProviderPreferencesSchema = providerPreferencesSchema.strict();

const MAX_SETTINGS_DEPTH = 32;

/** Settings are stored as JSON text, bounded in depth (checked first: very deep values overflow
 *  JSON.stringify's stack) and in size. False when an issue was added. */
function settingsFit(v: Record<string, unknown>, ctx: z.RefinementCtx, what = 'settings'): boolean {
  const problem = nestedDeeperThan(v, MAX_SETTINGS_DEPTH)
    ? `${what} are nested deeper than ${MAX_SETTINGS_DEPTH} levels`
    : JSON.stringify(v).length > 16_384
      ? `${what} are larger than 16 KiB`
      : null;
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
  return problem === null;
}

/** The tenant-wide limit the gateway enforces: whole requests and tokens per minute, as on keys
 *  (a fractional or zero limit would refuse every call). */
const tenantRateLimitSchema = z.strictObject({
  rpm: z.number().int().min(1).max(1_000_000_000).nullable().optional(),
  tpm: z.number().int().min(1).max(1_000_000_000_000).nullable().optional(),
});

export const tenantSettingsSchema = z.record(z.string(), z.unknown()).superRefine((v, ctx) => {
  if (!settingsFit(v, ctx)) return;
  if (v['timezone'] !== undefined && (typeof v['timezone'] !== 'string' || !isTimeZone(v['timezone'])))
    ctx.addIssue({
      code: 'custom',
      path: ['timezone'],
      message: 'must be an IANA time zone name such as "Europe/Paris" (budget periods reset at its midnight)',
    });
  if (v['rate_limit'] !== undefined && v['rate_limit'] !== null) {
    const r = tenantRateLimitSchema.safeParse(v['rate_limit']);
    if (!r.success) {
      const issue = r.error.issues[0];
      ctx.addIssue({
        code: 'custom',
        path: ['rate_limit', ...(issue?.path ?? [])],
        message: issue?.message ?? 'invalid',
      });
    }
  }
  if (v['provider'] !== undefined) {
    const r = tenantProviderPreferencesSchema.safeParse(v['provider']);
    if (!r.success)
      ctx.addIssue({ code: 'custom', path: ['provider'], message: r.error.issues[0]?.message ?? 'invalid' });
  }
});

/** Seed 002's `services`: the tenant's deployed services as the operator records them (free JSON). */
const tenantServicesSchema = z
  .record(z.string(), z.unknown())
  .superRefine((v, ctx) => void settingsFit(v, ctx, 'services'))
  .describe('seed 002: the tenant\'s services, e.g. {"openwebui_port": 3001}');

const name = z.string().trim().min(1).max(200);
const domain = z
  .string()
  .trim()
  .max(253)
  .regex(/^[a-z0-9.-]+\.[a-z]{2,}$/i, 'must be a domain name like app.example.com');

export const tenantCreateSchema = z.object({
  name,
  slug: z.string().regex(SLUG_PATTERN, 'lowercase letters, digits and dashes (max 48)').optional(),
  domain: domain.nullable().optional(),
  type: z.enum(TENANT_TYPES).default('customer'),
  status: z.enum(['pending', 'active', 'suspended']).default('active'),
  billing_plan: z.string().trim().min(1).max(100).nullable().optional(),
  max_users: z.number().int().min(1).max(1_000_000).nullable().optional(),
  settings: tenantSettingsSchema.optional(),
  services: tenantServicesSchema.optional(),
});
export type TenantCreate = z.input<typeof tenantCreateSchema>;

export const tenantUpdateSchema = z.object({
  name: name.optional(),
  slug: z.string().regex(SLUG_PATTERN, 'lowercase letters, digits and dashes (max 48)').optional(),
  domain: domain.nullable().optional(),
  type: z.enum(TENANT_TYPES).optional(),
  status: z.enum(TENANT_STATUSES).optional(),
  billing_plan: z.string().trim().min(1).max(100).nullable().optional(),
  max_users: z.number().int().min(1).max(1_000_000).nullable().optional(),
  settings: tenantSettingsSchema.optional(),
  services: tenantServicesSchema.optional(),
});
export type TenantUpdate = z.infer<typeof tenantUpdateSchema>;

/**
 * Settings only a platform admin may change: the tenant-wide rate limit (`rate_limit: {rpm, tpm}`,
 * enforced by the gateway) is part of what the tenant is sold, not the tenant's own preference.
 */
export const PLATFORM_SETTINGS: readonly string[] = ['rate_limit'];

/** What a tenant admin may change about their own tenant. */
export const ownTenantUpdateSchema = tenantUpdateSchema.pick({ name: true, domain: true, settings: true });

/**
 * PATCH bodies: `settings` is a JSON Merge Patch (RFC 7396), so `null` values are allowed here;
 * the merged settings are validated whole (tenantSettingsSchema) before they are stored.
 */
const settingsPatchSchema = z.record(z.string(), z.unknown()).superRefine((v, ctx) => void settingsFit(v, ctx));
export const tenantPatchSchema = tenantUpdateSchema.extend({ settings: settingsPatchSchema.optional() });
export const ownTenantPatchSchema = ownTenantUpdateSchema.extend({ settings: settingsPatchSchema.optional() });

export const tenantSchema = z.object({
  id: z.string(),
  name: z.string(),
  slug: z.string(),
  domain: z.string().nullable(),
  type: z.enum(TENANT_TYPES),
  status: z.enum(TENANT_STATUSES),
  billing_plan: z.string().nullable(),
  max_users: z.number().nullable(),
  settings: z.record(z.string(), z.unknown()),
  services: z.record(z.string(), z.unknown()),
  referral_code: z.string().nullable(),
  created: z.string(),
  updated: z.string(),
});
export type Tenant = z.infer<typeof tenantSchema>;
