// Provider preferences end to end across two providers serving one model: the tenant's standing
// settings.provider and the request's `provider` object (order / only / ignore / allow_fallbacks),
// on both client dialects. A request may narrow what the tenant allows, never widen it.
import { request } from 'undici';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { systemContext } from '../../src/identity/context.js';
import { startMockUpstream, type MockUpstream } from '../mock-upstream/index.js';
import { createWorld, mockProvider, type World } from './world.js';

let mock: MockUpstream;
let w: World;
const pricing = { input_per_mtok: '1', output_per_mtok: '2' };
const messages = [{ role: 'user', content: 'hi' }];

beforeAll(async () => {
  mock = await startMockUpstream({ apiKey: 'sk-mock' });
  w = await createWorld({
    catalog: {
      providers: [mockProvider(mock, 'openai', 'alpha', 'sk-mock'), mockProvider(mock, 'anthropic', 'beta', 'sk-mock')],
      models: [
        {
          name: 'duo',
          deployments: [
            { provider: 'alpha', model: 'duo-alpha', priority: 1 },
            { provider: 'beta', model: 'duo-beta', priority: 2 },
          ],
          pricing,
        },
      ],
    },
    wallet: '10',
  });
});
afterAll(async () => {
  await w?.close();
  await mock?.close();
});

async function setTenantPreferences(provider: Record<string, unknown> | undefined): Promise<void> {
  await w.t.identity.tenants.update(w.tenantId, { settings: provider ? { provider } : {} }, systemContext);
}

async function call(extra: Record<string, unknown> = {}, path = '/v1/chat/completions') {
  const body =
    path === '/v1/messages'
      ? { model: 'duo', max_tokens: 20, messages, ...extra }
      : { model: 'duo', messages, ...extra };
  const res = await request(`${w.baseUrl}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${w.secret}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const json = (await res.body.json()) as Record<string, unknown> & { error?: { code?: string; param?: string } };
  return { status: res.statusCode, provider: res.headers['x-tollgate-provider'], json };
}

/** Upstream paths the mock saw, in order: /v1/chat/completions = alpha, /v1/messages = beta. */
const upstreams = () => mock.requests().map((r) => (r.path.includes('/messages') ? 'beta' : 'alpha'));

beforeEach(async () => {
  mock.reset();
  await setTenantPreferences(undefined);
});

describe('per request', () => {
  it('without preferences the priority order serves: alpha first', async () => {
    expect((await call()).provider).toBe('alpha');
  });

  it.each([
    [{ order: ['beta'] }, 'beta'],
    [{ order: ['anthropic'] }, 'beta'], // a provider type matches every provider of that type
    [{ only: ['beta'] }, 'beta'],
    [{ ignore: ['alpha'] }, 'beta'],
    [{ order: ['beta', 'alpha'], ignore: ['beta'] }, 'alpha'],
  ])('provider %j is served by %s', async (provider, expected) => {
    const r = await call({ provider });
    expect(r.status).toBe(200);
    expect(r.provider).toBe(expected);
    expect(upstreams()).toEqual([expected]);
  });

  it('falls back to the other provider unless allow_fallbacks is false', async () => {
    mock.enqueue({ status: 500 });
    const r = await call();
    expect(r.status).toBe(200);
    expect(r.provider).toBe('beta');
    expect(upstreams()).toEqual(['alpha', 'beta']);

    mock.reset();
    mock.setDefaults({ status: 500 });
    try {
      const strict = await call({ provider: { allow_fallbacks: false } });
      expect(strict.status).toBe(502);
      // One deployment in the plan: the first try plus UPSTREAM_MAX_RETRIES retries, all on alpha.
      expect(new Set(upstreams())).toEqual(new Set(['alpha']));
    } finally {
      mock.setDefaults({});
    }
  });

  it('is honoured on the Anthropic Messages surface too', async () => {
    const r = await call({ provider: { order: ['beta'] } }, '/v1/messages');
    expect(r.status).toBe(200);
    expect(r.json['type']).toBe('message');
    expect(r.provider).toBe('beta');
  });

  it('refuses a malformed provider object naming the field, before any provider', async () => {
    const r = await call({ provider: { ignore: 'alpha' } });
    expect(r.status).toBe(400);
    expect(r.json.error).toMatchObject({ code: 'invalid_value', param: 'provider.ignore' });
    expect(mock.count()).toBe(0);
  });
});

describe("the tenant's standing preferences", () => {
  it('apply to every call of the tenant', async () => {
    await setTenantPreferences({ order: ['beta'] });
    expect((await call()).provider).toBe('beta');
    await setTenantPreferences({ ignore: ['beta'] });
    mock.reset();
    mock.enqueue({ status: 500 });
    // alpha fails once: the retry goes to alpha again, never to the ignored beta.
    const r = await call();
    expect(r.provider).toBe('alpha');
    expect(upstreams()).toEqual(['alpha', 'alpha']);
  });

  it("a request's order wins over the tenant's", async () => {
    await setTenantPreferences({ order: ['beta'] });
    expect((await call({ provider: { order: ['alpha'] } })).provider).toBe('alpha');
  });

  it('a request may narrow only/ignore but not widen them', async () => {
    await setTenantPreferences({ only: ['alpha'] });
    const widen = await call({ provider: { only: ['beta'] } });
    expect(widen.status).toBe(503);
    expect(widen.json.error?.code).toBe('no_deployment_available');
    expect(mock.count()).toBe(0);

    await setTenantPreferences({ ignore: ['alpha'] });
    // Asking to ignore nothing does not bring alpha back; ignoring beta as well leaves nothing.
    expect((await call({ provider: { ignore: [] } })).provider).toBe('beta');
    expect((await call({ provider: { ignore: ['beta'] } })).status).toBe(503);
  });
});
