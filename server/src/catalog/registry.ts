// The in-memory model registry the gateway reads on every request: public name → ModelEntry in one
// Map lookup. Rebuilt from a database snapshot on start-up and on 'gateway.config.changed'; the
// swap is a single assignment, so a request sees either the old or the new catalog, never a mix.
import type { ProviderEndpoint, ProviderType } from '../providers/ports.js';
import type { Deployment, ModelEntry, ModelRegistry, RoutingStrategy } from '../routing/ports.js';
import { toNum } from '../db/database.js';
import type { CatalogSnapshot, ProviderRow } from './catalog-store.js';
import { effectiveBaseUrl } from './provider-defaults.js';

export interface BuiltCatalog {
  entries: ModelEntry[];
  /** Providers left out (e.g. a secret that no longer decrypts), for the log. */
  problems: { providerId: string; message: string }[];
}

type Kind = ModelEntry['kinds'][number];

function parseKinds(json: string): Kind[] {
  try {
    const v: unknown = JSON.parse(json);
    if (Array.isArray(v)) return v.filter((k): k is Kind => k === 'chat' || k === 'embeddings' || k === 'completions');
  } catch {
    // fall through to the default
  }
  return ['chat'];
}

function endpointOf(row: ProviderRow, decrypt: (token: string) => string): ProviderEndpoint {
  const type = row.type as ProviderType;
  const headers = row.headers_encrypted
    ? (JSON.parse(decrypt(row.headers_encrypted)) as Record<string, string>)
    : undefined;
  return {
    id: row.id,
    type,
    baseUrl: effectiveBaseUrl(type, row.base_url) ?? '',
    apiKey: row.api_key_encrypted ? decrypt(row.api_key_encrypted) : null,
    apiVersion: row.api_version,
    ...(headers ? { headers } : {}),
  };
}

/** Active models with their active deployments on active, readable providers. Pure given `decrypt`. */
export function buildCatalog(snapshot: CatalogSnapshot, decrypt: (token: string) => string): BuiltCatalog {
  const problems: BuiltCatalog['problems'] = [];
  const endpoints = new Map<string, ProviderEndpoint>();
  for (const p of snapshot.providers) {
    if (p.status !== 'active') continue;
    try {
      endpoints.set(p.id, endpointOf(p, decrypt));
    } catch (e) {
      problems.push({ providerId: p.id, message: (e as Error).message });
    }
  }
  const byModel = new Map<string, Deployment[]>();
  for (const d of snapshot.deployments) {
    const provider = endpoints.get(d.provider_id);
    if (d.status !== 'active' || !provider) continue;
    const list = byModel.get(d.model_name) ?? [];
    list.push({
      id: d.id,
      model: d.model_name,
      provider,
      upstreamModel: d.upstream_model,
      priority: toNum(d.priority),
      weight: toNum(d.weight),
      maxOutputTokens: d.max_output_tokens === null ? null : toNum(d.max_output_tokens),
      timeoutMs: d.timeout_ms === null ? null : toNum(d.timeout_ms),
    });
    byModel.set(d.model_name, list);
  }
  const entries = snapshot.models
    .filter((m) => m.status === 'active')
    .map((m) => ({
      name: m.name,
      kinds: parseKinds(m.kinds),
      deployments: byModel.get(m.name) ?? [],
      free: toNum(m.free) === 1,
      routingStrategy: (m.routing_strategy as RoutingStrategy | null) ?? null,
    }));
  return { entries, problems };
}

export class InMemoryRegistry implements ModelRegistry {
  private byName = new Map<string, ModelEntry>();
  private all: readonly ModelEntry[] = [];

  replace(entries: readonly ModelEntry[]): void {
    const next = new Map(entries.map((e) => [e.name, e]));
    this.all = Object.freeze([...entries]);
    this.byName = next;
  }

  resolve(publicModel: string): ModelEntry | null {
    return this.byName.get(publicModel) ?? null;
  }

  list(): readonly ModelEntry[] {
    return this.all;
  }
}
