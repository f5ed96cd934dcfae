import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { openSecret, sealSecret } from '../shared/crypto.js';
import { deploymentIdFor, deploymentRowsFrom } from './catalog-rows.js';
import type { CatalogSnapshot, DeploymentRow, ModelRow, ProviderRow } from './catalog-store.js';
import { buildCatalog, InMemoryRegistry } from './registry.js';

const key = randomBytes(32);
const decrypt = (t: string) => openSecret(t, key);

const provider = (id: string, over: Partial<ProviderRow> = {}): ProviderRow => ({
  id,
  type: 'openai',
  base_url: null,
  api_key_encrypted: sealSecret(`sk-${id}-0123456789`, key),
  api_version: null,
  headers_encrypted: null,
  managed_by: 'api',
  status: 'active',
  created_at: 1n,
  updated_at: 1n,
  ...over,
});
const model = (name: string, over: Partial<ModelRow> = {}): ModelRow => ({
  name,
  kinds: '["chat"]',
  free: 0n,
  routing_strategy: null,
  description: null,
  managed_by: 'api',
  status: 'active',
  created_at: 1n,
  updated_at: 1n,
  ...over,
});
const deployment = (
  id: string,
  modelName: string,
  providerId: string,
  over: Partial<DeploymentRow> = {},
): DeploymentRow => ({
  id,
  model_name: modelName,
  provider_id: providerId,
  upstream_model: `up-${id}`,
  priority: 1n,
  weight: 1n,
  max_output_tokens: null,
  timeout_ms: null,
  status: 'active',
  managed_by: 'api',
  created_at: 1n,
  updated_at: 1n,
  ...over,
});

describe('buildCatalog', () => {
  it('maps rows to entries with decrypted endpoints and numbers, skipping anything disabled', () => {
    const snap: CatalogSnapshot = {
      providers: [
        provider('a', { headers_encrypted: sealSecret('{"X-T":"v"}', key) }),
        provider('off', { status: 'disabled' }),
        provider('az', { type: 'azure-openai', base_url: 'https://r.openai.azure.com', api_version: '2024-10-21' }),
      ],
      models: [
        model('m', { routing_strategy: 'weighted', kinds: '["chat","embeddings"]', free: 1n }),
        model('hidden', { status: 'disabled' }),
      ],
      deployments: [
        deployment('d1', 'm', 'a', { max_output_tokens: 4096n, timeout_ms: 1000n, priority: 2n, weight: 7n }),
        deployment('d2', 'm', 'off'),
        deployment('d3', 'm', 'a', { status: 'disabled' }),
        deployment('d4', 'm', 'az'),
        deployment('d5', 'hidden', 'a'),
      ],
    };
    const { entries, problems } = buildCatalog(snap, decrypt);
    expect(problems).toEqual([]);
    expect(entries.map((e) => e.name)).toEqual(['m']);
    const m = entries[0]!;
    expect(m).toMatchObject({ kinds: ['chat', 'embeddings'], free: true, routingStrategy: 'weighted' });
    expect(m.deployments.map((d) => d.id)).toEqual(['d1', 'd4']);
    expect(m.deployments[0]).toMatchObject({
      model: 'm',
      upstreamModel: 'up-d1',
      priority: 2,
      weight: 7,
      maxOutputTokens: 4096,
      timeoutMs: 1000,
      provider: { id: 'a', baseUrl: 'https://api.openai.com/v1', apiKey: 'sk-a-0123456789', headers: { 'X-T': 'v' } },
    });
    expect(m.deployments[1]!.provider).toMatchObject({
      type: 'azure-openai',
      baseUrl: 'https://r.openai.azure.com',
      apiVersion: '2024-10-21',
    });
  });

  it('leaves out a provider whose secret does not decrypt and reports it', () => {
    const snap: CatalogSnapshot = {
      providers: [provider('bad', { api_key_encrypted: sealSecret('x', randomBytes(32)) }), provider('good')],
      models: [model('m')],
      deployments: [deployment('d1', 'm', 'bad'), deployment('d2', 'm', 'good')],
    };
    const { entries, problems } = buildCatalog(snap, decrypt);
    expect(entries[0]!.deployments.map((d) => d.id)).toEqual(['d2']);
    expect(problems.map((p) => p.providerId)).toEqual(['bad']);
  });
});

describe('InMemoryRegistry', () => {
  it('resolves by exact public name and swaps catalogs atomically', () => {
    const r = new InMemoryRegistry();
    expect(r.resolve('m')).toBeNull();
    r.replace([{ name: 'm', kinds: ['chat'], deployments: [], free: false }]);
    expect(r.resolve('m')!.name).toBe('m');
    expect(r.resolve('M')).toBeNull();
    const before = r.list();
    r.replace([]);
    expect(r.resolve('m')).toBeNull();
    expect(before).toHaveLength(1);
  });
});

describe('deployment ids', () => {
  it('are stable for the same declaration and distinct for repeats', () => {
    const specs = [
      { provider: 'p', model: 'u', weight: 1, status: 'active' as const },
      { provider: 'p', model: 'u', weight: 1, status: 'active' as const },
      { id: 'dep_custom', provider: 'q', model: 'u', weight: 1, status: 'active' as const },
    ];
    const rows = deploymentRowsFrom('m', specs, [], 'file', 5);
    expect(rows.map((r) => r.id)).toEqual([
      deploymentIdFor('m', 'p', 'u', 0),
      deploymentIdFor('m', 'p', 'u', 1),
      'dep_custom',
    ]);
    expect(rows[0]!.id).toMatch(/^dep_[0-9a-f]{26}$/);
    expect(rows.map((r) => r.priority)).toEqual([1n, 2n, 3n]);
    expect(deploymentRowsFrom('m', specs, rows, 'file', 99).map((r) => r.created_at)).toEqual([5n, 5n, 5n]);
  });
});
