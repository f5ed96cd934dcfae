// Operator specs (file or API) → database rows. Secrets are sealed here; an unchanged secret keeps
// its stored token so re-applying the same file writes nothing (the IV is random, so re-sealing
// would look like a change every start).
import { createHash } from 'node:crypto';
import type { CatalogStatus, ManagedBy } from '../db/tables/gateway.js';
import { openSecret, sealSecret } from '../shared/crypto.js';
import type { DeploymentSpec, ModelUpdate, ProviderUpdate } from './catalog-schema.js';
import type { DeploymentRow, ModelRow, ProviderRow } from './catalog-store.js';

function reseal(plain: string | null | undefined, existing: string | null, key: Buffer): string | null {
  if (plain === undefined) return existing;
  if (plain === null) return null;
  if (existing !== null) {
    try {
      if (openSecret(existing, key) === plain) return existing;
    } catch {
      // Unreadable (key changed): overwrite with the new value.
    }
  }
  return sealSecret(plain, key);
}

export function providerRowFrom(
  id: string,
  spec: ProviderUpdate,
  existing: ProviderRow | null,
  managedBy: ManagedBy,
  key: Buffer,
  nowMs: number,
): ProviderRow {
  const headers =
    spec.headers === undefined ? undefined : Object.keys(spec.headers).length ? JSON.stringify(spec.headers) : null;
  return {
    id,
    type: spec.type,
    base_url: spec.type === 'echo' ? null : (spec.base_url ?? null),
    api_key_encrypted: reseal(spec.api_key, existing?.api_key_encrypted ?? null, key),
    api_version: spec.api_version ?? null,
    headers_encrypted: reseal(headers, existing?.headers_encrypted ?? null, key),
    managed_by: managedBy,
    status: spec.status ?? existing?.status ?? 'active',
    created_at: existing?.created_at ?? BigInt(nowMs),
    updated_at: BigInt(nowMs),
  };
}

const PROVIDER_FIELDS = [
  'type',
  'base_url',
  'api_key_encrypted',
  'api_version',
  'headers_encrypted',
  'managed_by',
  'status',
] as const;

export function sameProvider(a: ProviderRow, b: ProviderRow): boolean {
  return PROVIDER_FIELDS.every((f) => a[f] === b[f]);
}

/** Stable id for a deployment without an explicit one: the same declaration always maps to the same id. */
export function deploymentIdFor(model: string, provider: string, upstream: string, occurrence: number): string {
  const h = createHash('sha256').update(`${model}\u0000${provider}\u0000${upstream}\u0000${occurrence}`).digest('hex');
  return `dep_${h.slice(0, 26)}`;
}

export function deploymentRowsFrom(
  model: string,
  specs: readonly DeploymentSpec[],
  existing: readonly DeploymentRow[],
  managedBy: ManagedBy,
  nowMs: number,
): DeploymentRow[] {
  const seen = new Map<string, number>();
  const byId = new Map(existing.map((d) => [d.id, d]));
  return specs.map((d, i) => {
    const triple = `${d.provider}\u0000${d.model}`;
    const n = seen.get(triple) ?? 0;
    seen.set(triple, n + 1);
    const id = d.id ?? deploymentIdFor(model, d.provider, d.model, n);
    return {
      id,
      model_name: model,
      provider_id: d.provider,
      upstream_model: d.model,
      priority: BigInt(d.priority ?? i + 1),
      weight: BigInt(d.weight),
      max_output_tokens: d.max_output_tokens == null ? null : BigInt(d.max_output_tokens),
      timeout_ms: d.timeout_ms == null ? null : BigInt(d.timeout_ms),
      status: d.status as CatalogStatus,
      managed_by: managedBy,
      created_at: byId.get(id)?.created_at ?? BigInt(nowMs),
      updated_at: BigInt(nowMs),
    };
  });
}

export function modelRowFrom(
  name: string,
  spec: ModelUpdate,
  existing: ModelRow | null,
  managedBy: ManagedBy,
  nowMs: number,
): ModelRow {
  return {
    name,
    kinds: JSON.stringify([...new Set(spec.kinds)]),
    free: spec.free ? 1n : 0n,
    routing_strategy: spec.routing?.strategy ?? null,
    description: spec.description ?? null,
    managed_by: managedBy,
    status: spec.status,
    created_at: existing?.created_at ?? BigInt(nowMs),
    updated_at: BigInt(nowMs),
  };
}

const MODEL_FIELDS = ['kinds', 'free', 'routing_strategy', 'description', 'managed_by', 'status'] as const;
const DEPLOYMENT_FIELDS = [
  'model_name',
  'provider_id',
  'upstream_model',
  'priority',
  'weight',
  'max_output_tokens',
  'timeout_ms',
  'status',
  'managed_by',
] as const;

export function sameModel(
  a: ModelRow,
  b: ModelRow,
  da: readonly DeploymentRow[],
  db: readonly DeploymentRow[],
): boolean {
  if (!MODEL_FIELDS.every((f) => a[f] === b[f]) || da.length !== db.length) return false;
  const byId = new Map(db.map((d) => [d.id, d]));
  return da.every((d) => {
    const o = byId.get(d.id);
    return o !== undefined && DEPLOYMENT_FIELDS.every((f) => d[f] === o[f]);
  });
}
