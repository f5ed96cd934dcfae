// Which provider preferences steer a call: the tenant's standing settings.provider narrowed by the
// request body's `provider` object. Parsing and the merge rule (a request may narrow only/ignore,
// never widen them) are routing's; this file only keeps them cheap on the hot path: the tenant's
// preferences are parsed once per cached tenant object, and zod runs on a request only when it
// actually carries a `provider` object.
import type { GatewayCaller } from '../identity/ports.js';
import { mergePreferences, providerPreferencesSchema, tenantPreferences } from '../routing/preferences.js';
import type { ProviderPreferences } from './deps.js';
import { badRequest, type GatewayError } from './gateway-error.js';

type Prefs = { ok: true; value: ProviderPreferences | null } | { ok: false; error: GatewayError };

const NONE: Prefs = { ok: true, value: null };
/** Keyed by the tenant's settings object, which identity's key cache keeps until the tenant changes. */
const byTenantSettings = new WeakMap<object, ProviderPreferences | null>();

function standing(caller: GatewayCaller): ProviderPreferences | null {
  const settings = caller.tenant.settings;
  if (settings['provider'] === undefined) return null;
  let prefs = byTenantSettings.get(settings);
  if (prefs === undefined) {
    prefs = tenantPreferences(settings);
    byTenantSettings.set(settings, prefs);
  }
  return prefs;
}

/** The request's `provider` object (unvalidated) over the tenant's; a bad object names its field. */
export function preferencesFor(caller: GatewayCaller, requested: unknown): Prefs {
  const tenant = standing(caller);
  if (requested === undefined || requested === null) return tenant ? { ok: true, value: tenant } : NONE;
  const parsed = providerPreferencesSchema.safeParse(requested);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = ['provider', ...(issue?.path ?? [])].join('.');
    return { ok: false, error: badRequest(field, issue?.message ?? 'invalid') };
  }
  return { ok: true, value: mergePreferences(tenant, parsed.data as ProviderPreferences) };
}
