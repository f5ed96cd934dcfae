// Provider preferences (OpenRouter's `provider` object) applied to a strategy's order, and the
// merge of a tenant's standing preferences with a request's. A name in order/only/ignore matches
// a deployment's provider id or provider type, case-insensitively ("anthropic" matches every
// Anthropic provider; "openai-main" exactly that one).
import { z } from 'zod';
import type { Deployment, ProviderPreferences } from './ports.js';
import { sortByMetric, type RankContext } from './strategies.js';

const names = z.array(z.string().trim().min(1).max(200)).max(100);

/** Validates a `provider` object from a request body or tenant settings; unknown fields are dropped. */
export const providerPreferencesSchema = z.object({
  order: names.optional(),
  only: names.optional(),
  ignore: names.optional(),
  allow_fallbacks: z.boolean().optional(),
  sort: z.enum(['price', 'latency', 'throughput']).optional(),
});

/** A tenant's settings.provider, or null when absent or malformed (a bad setting must not break calls). */
export function tenantPreferences(settings: Record<string, unknown> | null | undefined): ProviderPreferences | null {
  const parsed = providerPreferencesSchema.safeParse(settings?.['provider']);
  return parsed.success ? (parsed.data as ProviderPreferences) : null;
}

export function matchesProvider(d: Deployment, name: string): boolean {
  const n = name.toLowerCase();
  return d.provider.id.toLowerCase() === n || d.provider.type === n;
}

const matchesAny = (d: Deployment, list: readonly string[]): boolean => list.some((n) => matchesProvider(d, n));

/**
 * Tenant policy and request wishes combined. A request may narrow but not widen what the tenant
 * allows (only = intersection, ignore = union); order, sort and allow_fallbacks of the request win.
 */
export function mergePreferences(
  tenant: ProviderPreferences | null | undefined,
  request: ProviderPreferences | null | undefined,
): ProviderPreferences | null {
  if (!tenant) return request ?? null;
  if (!request) return tenant;
  const merged: ProviderPreferences = {};
  const order = request.order ?? tenant.order;
  if (order) merged.order = order;
  if (tenant.only && request.only) {
    const allowed = new Set(tenant.only.map((n) => n.toLowerCase()));
    merged.only = request.only.filter((n) => allowed.has(n.toLowerCase()));
  } else if (tenant.only ?? request.only) {
    merged.only = (tenant.only ?? request.only)!;
  }
  if (tenant.ignore || request.ignore) merged.ignore = [...(tenant.ignore ?? []), ...(request.ignore ?? [])];
  const fallbacks = request.allow_fallbacks ?? tenant.allow_fallbacks;
  if (fallbacks !== undefined) merged.allow_fallbacks = fallbacks;
  const sort = request.sort ?? tenant.sort;
  if (sort) merged.sort = sort;
  return merged;
}

/**
 * Filter and re-order a strategy's order: only/ignore filter; `sort` re-ranks by measured price,
 * latency or throughput (unknown last); `order` pulls the named providers to the front in that
 * order; allow_fallbacks=false keeps only the first candidate.
 */
export function applyPreferences(
  ordered: readonly Deployment[],
  prefs: ProviderPreferences | null | undefined,
  ctx: RankContext,
): Deployment[] {
  if (!prefs) return [...ordered];
  let out = [...ordered];
  if (prefs.only) {
    const only = prefs.only;
    out = out.filter((d) => matchesAny(d, only));
  }
  if (prefs.ignore && prefs.ignore.length > 0) {
    const ignore = prefs.ignore;
    out = out.filter((d) => !matchesAny(d, ignore));
  }
  if (prefs.sort === 'price') out = sortByMetric(out, ctx.priceOf, { direction: 'asc', keepTies: true });
  else if (prefs.sort === 'latency') out = sortByMetric(out, ctx.latencyOf, { direction: 'asc', keepTies: true });
  else if (prefs.sort === 'throughput')
    out = sortByMetric(out, ctx.throughputOf, { direction: 'desc', keepTies: true });
  if (prefs.order && prefs.order.length > 0) {
    const front: Deployment[] = [];
    for (const name of prefs.order) {
      for (const d of out) if (!front.includes(d) && matchesProvider(d, name)) front.push(d);
    }
    out = front.concat(out.filter((d) => !front.includes(d)));
  }
  if (prefs.allow_fallbacks === false) out = out.slice(0, 1);
  return out;
}
