// Admin API for providers and models, through the whole app (app.inject) on both dialects:
// happy paths, validation naming the field, 401/403/404/409, and secrets never in a response.
import { resolve } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { systemContext } from '../../src/identity/context.js';
import { createTestApp, ADMIN_SECRET_KEY, SUPER_ADMIN, type TestApp } from '../support/app.js';
import { eachDialect } from '../support/db.js';

const KEY = 'sk-route-SECRETVALUE-7f3a9c1e5b2d';

interface Body {
  error: { code: string; message: string; field?: string };
  data: { id: string }[];
  [field: string]: unknown;
}

eachDialect('catalog admin routes', (dialect) => {
  let app: TestApp;
  let root: Record<string, string>;
  let tenantAdmin: Record<string, string>;
  const bodies: string[] = [];

  async function call(
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    url: string,
    headers: Record<string, string> = root,
    payload?: unknown,
  ) {
    const res = await app.app.inject({
      method,
      url,
      headers,
      ...(payload === undefined ? {} : { payload: payload as object }),
    });
    bodies.push(res.body);
    return { status: res.statusCode, body: res.body ? (JSON.parse(res.body) as Body) : null };
  }

  async function login(email: string, password: string): Promise<Record<string, string>> {
    const res = await app.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password } });
    expect(res.statusCode).toBe(200);
    return { authorization: `Bearer ${(res.json() as { token: string }).token}` };
  }

  beforeAll(async () => {
    app = await createTestApp(dialect);
    root = await login(SUPER_ADMIN.email, SUPER_ADMIN.password);
    const tenant = await app.identity.tenants.create({ name: 'Acme Catalog' }, systemContext);
    await app.identity.users.create(
      { email: 'admin@acme.test', role: 'tenant_admin', tenantId: tenant.id, password: 'acme-password-123' } as never,
      systemContext,
    );
    tenantAdmin = await login('admin@acme.test', 'acme-password-123');
  });
  afterAll(async () => {
    await app?.close();
  });

  it('creates, reads, lists, updates and deletes a provider; the key never comes back', async () => {
    const created = await call('POST', '/api/v1/admin/providers', root, {
      id: 'openai-main',
      type: 'openai',
      api_key: KEY,
      headers: { 'HTTP-Referer': 'https://acme.test', Authorization: 'Bearer hdr-SECRETVALUE' },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      id: 'openai-main',
      type: 'openai',
      base_url: 'https://api.openai.com/v1',
      api_key_set: true,
      api_key_last4: '5b2d',
      headers: { 'HTTP-Referer': 'https://acme.test', Authorization: '********' },
      managed_by: 'api',
      status: 'active',
      deployments: 0,
    });
    expect(created.body).not.toHaveProperty('api_key');

    const got = await call('GET', '/api/v1/admin/providers/openai-main');
    expect(got.status).toBe(200);
    const list = await call('GET', '/api/v1/admin/providers');
    expect(list.body!.data.map((p) => p.id)).toContain('openai-main');

    // PUT without api_key keeps the stored key; the registry still has it
    const put = await call('PUT', '/api/v1/admin/providers/openai-main', root, {
      type: 'openai',
      base_url: 'https://gateway.acme.test/v1',
    });
    expect(put.status).toBe(200);
    // headers, whose secret values are masked too, are also kept when absent
    expect(put.body).toMatchObject({
      base_url: 'https://gateway.acme.test/v1',
      api_key_set: true,
      api_key_last4: '5b2d',
    });
    expect(put.body!['headers']).toEqual({ 'HTTP-Referer': 'https://acme.test', Authorization: '********' });
    // api_key: null clears the key, headers: {} clears the headers
    const cleared = await call('PUT', '/api/v1/admin/providers/openai-main', root, {
      type: 'openai',
      api_key: null,
      headers: {},
    });
    expect(cleared.body).toMatchObject({
      api_key_set: false,
      api_key_last4: null,
      base_url: 'https://api.openai.com/v1',
    });
    expect(cleared.body!['headers']).toEqual({});

    expect((await call('DELETE', '/api/v1/admin/providers/openai-main')).status).toBe(204);
    expect((await call('GET', '/api/v1/admin/providers/openai-main')).status).toBe(404);
  });

  it('creates a model with nested deployments and prices; the gateway registry sees it at once', async () => {
    await call('POST', '/api/v1/admin/providers', root, { id: 'demo', type: 'echo' });
    await call('POST', '/api/v1/admin/providers', root, { id: 'anthropic-main', type: 'anthropic', api_key: KEY });
    const created = await call('POST', '/api/v1/admin/models', root, {
      name: 'acme/chat-1',
      kinds: ['chat'],
      routing: { strategy: 'lowest-cost' },
      deployments: [
        { provider: 'anthropic-main', model: 'claude-sonnet-4', weight: 2, max_output_tokens: 8192, timeout_ms: 60000 },
        { provider: 'demo', model: 'echo', pricing: { input_per_mtok: '0.01', output_per_mtok: '0.02' } },
      ],
      pricing: { input_per_mtok: '3', output_per_mtok: '15', cached_input_per_mtok: '0.3' },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      name: 'acme/chat-1',
      routing: { strategy: 'lowest-cost' },
      managed_by: 'api',
      pricing: { input_per_mtok: '3', output_per_mtok: '15', cached_input_per_mtok: '0.3' },
    });
    const deps = created.body!['deployments'] as { id: string; provider: string; priority: number; pricing: unknown }[];
    expect(deps.map((d) => [d.provider, d.priority])).toEqual([
      ['anthropic-main', 1],
      ['demo', 2],
    ]);
    expect(deps[1]!.pricing).toMatchObject({ input_per_mtok: '0.01' });

    const entry = app.catalog.registry.resolve('acme/chat-1')!;
    expect(entry.deployments[0]!.provider.apiKey).toBe(KEY);
    // lowest-cost uses the money module's per-deployment price: the echo deployment is cheaper
    expect(app.catalog.planner.plan(entry, null, app.core.clock.now())[0]!.provider.id).toBe('demo');

    // names containing "/" are addressed URL-encoded
    expect((await call('GET', '/api/v1/admin/models/acme%2Fchat-1')).status).toBe(200);
    const put = await call('PUT', '/api/v1/admin/models/acme%2Fchat-1', root, {
      kinds: ['chat', 'embeddings'],
      deployments: [{ id: deps[1]!.id, provider: 'demo', model: 'echo-2' }],
    });
    expect(put.status).toBe(200);
    expect(put.body!['deployments']).toEqual([expect.objectContaining({ id: deps[1]!.id, model: 'echo-2' })]);
    expect(app.catalog.registry.resolve('acme/chat-1')!.kinds).toEqual(['chat', 'embeddings']);

    // a provider in use cannot be deleted
    const inUse = await call('DELETE', '/api/v1/admin/providers/demo');
    expect(inUse.status).toBe(409);
    expect(inUse.body!['error'].message).toContain('acme/chat-1');

    expect((await call('DELETE', '/api/v1/admin/models/acme%2Fchat-1')).status).toBe(204);
    expect(app.catalog.registry.resolve('acme/chat-1')).toBeNull();
    expect((await call('DELETE', '/api/v1/admin/providers/demo')).status).toBe(204);
  });

  it('validation errors name the field and never answer 500', async () => {
    const cases: [string, unknown, string][] = [
      ['/api/v1/admin/providers', { id: 'x1', type: 'cohere' }, 'type'],
      ['/api/v1/admin/providers', { id: 'bad id', type: 'openai' }, 'id'],
      ['/api/v1/admin/providers', { id: 'x2', type: 'openai', base_url: 'file:///etc/passwd' }, 'base_url'],
      ['/api/v1/admin/providers', { id: 'x3', type: 'openai', base_url: 'http://user:pw@internal/' }, 'base_url'],
      [
        '/api/v1/admin/providers',
        { id: 'x4', type: 'azure-openai', base_url: 'https://r.openai.azure.com' },
        'api_version',
      ],
      ['/api/v1/admin/providers', { id: 'x5', type: 'openai', headers: { 'X-A': 'a\r\nHost: evil' } }, 'headers.X-A'],
      [
        '/api/v1/admin/models',
        { name: 'm1', deployments: [{ provider: 'ghost', model: 'u' }] },
        'deployments.0.provider',
      ],
      [
        '/api/v1/admin/models',
        { name: 'm2', deployments: [{ provider: 'p', model: 'u', weight: 1.5 }] },
        'deployments.0.weight',
      ],
      [
        '/api/v1/admin/models',
        { name: 'm3', pricing: { input_per_mtok: '-1', output_per_mtok: '1' } },
        'pricing.input_per_mtok',
      ],
      ['/api/v1/admin/models', { name: 'm4', kinds: ['images'] }, 'kinds.0'],
      // too large for the price columns: a 400 before anything is written, not a 500 after the model was
      [
        '/api/v1/admin/models',
        { name: 'm5', pricing: { input_per_mtok: '1', output_per_mtok: '99999999999' } },
        'pricing.output_per_mtok',
      ],
      [
        '/api/v1/admin/models',
        {
          name: 'm6',
          deployments: [
            { provider: 'p', model: 'u', pricing: { input_per_mtok: '12345678901', output_per_mtok: '1' } },
          ],
        },
        'deployments.0.pricing.input_per_mtok',
      ],
    ];
    for (const [url, payload, field] of cases) {
      const res = await call('POST', url, root, payload);
      expect(res.status, `${JSON.stringify(payload)} → ${JSON.stringify(res.body)}`).toBe(400);
      expect(res.body!['error'].code).toBe('validation_error');
      expect(res.body!['error'].field).toBe(field);
    }
    expect((await call('GET', '/api/v1/admin/models/m5')).status).toBe(404);
    const bad = await app.app.inject({
      method: 'POST',
      url: '/api/v1/admin/providers',
      headers: { ...root, 'content-type': 'application/json' },
      payload: '{not json',
    });
    expect(bad.statusCode).toBe(400);
  });

  it('409 for duplicates, 404 for unknown ids', async () => {
    await call('POST', '/api/v1/admin/providers', root, { id: 'dup', type: 'echo' });
    expect((await call('POST', '/api/v1/admin/providers', root, { id: 'dup', type: 'echo' })).status).toBe(409);
    await call('POST', '/api/v1/admin/models', root, { name: 'dup-model' });
    expect((await call('POST', '/api/v1/admin/models', root, { name: 'dup-model' })).status).toBe(409);
    for (const [method, url, body] of [
      ['GET', '/api/v1/admin/providers/nope', undefined],
      ['PUT', '/api/v1/admin/providers/nope', { type: 'echo' }],
      ['DELETE', '/api/v1/admin/providers/nope', undefined],
      ['GET', '/api/v1/admin/models/nope', undefined],
      ['PUT', '/api/v1/admin/models/nope', {}],
      ['DELETE', '/api/v1/admin/models/nope', undefined],
    ] as const) {
      const res = await call(method, url, root, body);
      expect(res.status, `${method} ${url}`).toBe(404);
      expect(res.body!['error'].code).toBe('not_found');
    }
  });

  it('edge cases: concurrent creates, deployment ids, disabling', async () => {
    const racers = await Promise.all(
      [1, 2, 3, 4].map(() => call('POST', '/api/v1/admin/providers', root, { id: 'racer', type: 'echo' })),
    );
    expect(racers.map((r) => r.status).sort()).toEqual([201, 409, 409, 409]);
    const modelRacers = await Promise.all(
      [1, 2, 3].map(() => call('POST', '/api/v1/admin/models', root, { name: 'race-model' })),
    );
    expect(modelRacers.map((r) => r.status).sort()).toEqual([201, 409, 409]);

    const first = await call('POST', '/api/v1/admin/models', root, {
      name: 'owner',
      deployments: [{ id: 'dep_owned', provider: 'racer', model: 'e' }],
    });
    expect(first.status).toBe(201);
    const stolen = await call('POST', '/api/v1/admin/models', root, {
      name: 'thief',
      deployments: [{ id: 'dep_owned', provider: 'racer', model: 'e' }],
    });
    expect(stolen.status).toBe(400);
    expect(stolen.body!.error.field).toBe('deployments.0.id');
    const twice = await call('POST', '/api/v1/admin/models', root, {
      name: 'twice',
      deployments: [
        { id: 'dep_x', provider: 'racer', model: 'a' },
        { id: 'dep_x', provider: 'racer', model: 'b' },
      ],
    });
    expect(twice.status).toBe(400);
    expect(twice.body!.error.field).toBe('deployments.1.id');

    expect(app.catalog.registry.resolve('owner')!.deployments).toHaveLength(1);
    await call('PUT', '/api/v1/admin/providers/racer', root, { type: 'echo', status: 'disabled' });
    expect(app.catalog.registry.resolve('owner')!.deployments).toHaveLength(0);
    await call('PUT', '/api/v1/admin/models/owner', root, {
      status: 'disabled',
      deployments: [{ id: 'dep_owned', provider: 'racer', model: 'e' }],
    });
    expect(app.catalog.registry.resolve('owner')).toBeNull();
    expect((await call('GET', '/api/v1/admin/models/owner')).body).toMatchObject({ status: 'disabled' });
  });

  it('only platform admins: 401 anonymous, 403 for tenant admins and service keys', async () => {
    const routes = [
      ['GET', '/api/v1/admin/providers'],
      ['POST', '/api/v1/admin/providers'],
      ['GET', '/api/v1/admin/providers/dup'],
      ['PUT', '/api/v1/admin/providers/dup'],
      ['DELETE', '/api/v1/admin/providers/dup'],
      ['GET', '/api/v1/admin/models'],
      ['POST', '/api/v1/admin/models'],
      ['GET', '/api/v1/admin/models/dup-model'],
      ['PUT', '/api/v1/admin/models/dup-model'],
      ['DELETE', '/api/v1/admin/models/dup-model'],
    ] as const;
    for (const [method, url] of routes) {
      const payload = method === 'POST' || method === 'PUT' ? { id: 'z', name: 'z', type: 'echo' } : undefined;
      expect((await call(method, url, {}, payload)).status, `${method} ${url}`).toBe(401);
      expect((await call(method, url, tenantAdmin, payload)).status, `${method} ${url}`).toBe(403);
      expect((await call(method, url, { 'x-admin-key': ADMIN_SECRET_KEY }, payload)).status, `${method} ${url}`).toBe(
        403,
      );
    }
    expect((await call('GET', '/api/v1/admin/providers/dup')).status).toBe(200);
  });

  it('no response body ever contained a secret', () => {
    expect(bodies.length).toBeGreaterThan(40);
    for (const b of bodies) {
      expect(b).not.toContain('SECRETVALUE');
    }
  });
});

eachDialect('catalog from TOLLGATE_CONFIG in the whole app', (dialect) => {
  let app: TestApp;
  let root: Record<string, string>;

  beforeAll(async () => {
    app = await createTestApp(dialect, {
      TOLLGATE_CONFIG: resolve(import.meta.dirname, '../../../tollgate.example.yaml'),
    });
    const res = await app.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: SUPER_ADMIN });
    root = { authorization: `Bearer ${(res.json() as { token: string }).token}` };
  });
  afterAll(async () => {
    await app?.close();
  });

  it('serves the file catalog, with prices applied through the money module', async () => {
    expect(app.catalog.registry.resolve('demo-echo')).toMatchObject({
      free: true,
      kinds: ['chat', 'embeddings', 'completions'],
    });
    // ollama-local is disabled: its llama deployment is left out of the registry
    expect(app.catalog.registry.resolve('llama-3.1-70b')!.deployments.map((d) => d.provider.id)).toEqual([
      'openrouter',
    ]);
    const res = await app.app.inject({ method: 'GET', url: '/api/v1/admin/models/gpt-4o-mini', headers: root });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      managed_by: 'file',
      pricing: { input_per_mtok: '0.15', output_per_mtok: '0.6', cached_input_per_mtok: '0.075' },
    });
    const price = app.money.pricing.priceAt('gpt-4o-mini', app.core.clock.now());
    expect(price?.outputPerMTok).toBe(600_000_000n);
    expect(app.money.pricing.priceAt('demo-echo', app.core.clock.now())?.free).toBe(true);
  });

  it('refuses API edits of file-managed objects with 409 naming the file', async () => {
    for (const [method, url, payload] of [
      ['PUT', '/api/v1/admin/providers/openai-main', { type: 'openai' }],
      ['DELETE', '/api/v1/admin/providers/demo', undefined],
      ['PUT', '/api/v1/admin/models/gpt-4o-mini', {}],
      ['DELETE', '/api/v1/admin/models/gpt-4o-mini', undefined],
    ] as const) {
      const res = await app.app.inject({ method, url, headers: root, ...(payload ? { payload } : {}) });
      expect(res.statusCode, `${method} ${url}`).toBe(409);
      expect((res.json() as { error: { message: string } }).error.message).toContain('config file');
    }
  });
});
