// Everything refused before a provider is contacted: bad keys, bad bodies, unknown or disallowed
// models, rate limits, budgets (including 10×N concurrent calls on a budget for N). For each, the
// error shape and status, and that the mock upstream saw nothing.
import Anthropic from '@anthropic-ai/sdk';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemContext } from '../../src/identity/context.js';
import { estimatePromptTokensFast } from '../../src/providers/tokenizer/index.js';
import { startMockUpstream, type MockUpstream } from '../mock-upstream/index.js';
import { createWorld, mockProvider, type World } from './world.js';

let mock: MockUpstream;
let w: World;
const pricing = { input_per_mtok: '2', output_per_mtok: '8' };

beforeAll(async () => {
  mock = await startMockUpstream();
  w = await createWorld({
    catalog: {
      providers: [mockProvider(mock, 'openai', 'up')],
      models: [
        { name: 'm1', deployments: [{ provider: 'up', model: 'u1' }], pricing },
        { name: 'm2', deployments: [{ provider: 'up', model: 'u2' }], pricing },
        { name: 'unpriced', deployments: [{ provider: 'up', model: 'u3' }] },
      ],
    },
    wallet: '50',
  });
});
afterAll(async () => {
  await w?.close();
  await mock?.close();
});

const chat = { model: 'm1', messages: [{ role: 'user', content: 'hi' }], max_tokens: 20 };

type ErrorJson = { error?: { message?: string; code?: string; type?: string; param?: string | null } } & Record<
  string,
  unknown
>;

async function post(path: string, body: string | object, headers: Record<string, string> = {}) {
  const res = await request(`${w.baseUrl}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${w.secret}`, 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers, json: text ? (JSON.parse(text) as ErrorJson) : null };
}

describe('bad inputs never reach the provider', () => {
  it.each([
    ['malformed JSON', '{"model": "m1", "messages": [', 400, 'invalid_json', null],
    ['model missing', { messages: [{ role: 'user', content: 'x' }] }, 400, 'invalid_value', 'model'],
    ['messages not an array', { model: 'm1', messages: 'hi' }, 400, 'invalid_value', 'messages'],
    ['wrong type', { ...chat, max_tokens: 'ten' }, 400, 'invalid_value', 'max_tokens'],
    ['unknown model', { ...chat, model: 'nope' }, 404, 'model_not_found', 'model'],
    ['unpriced model', { ...chat, model: 'unpriced' }, 422, 'model_not_priced', 'model'],
    ['bad provider preferences', { ...chat, provider: { order: 'up' } }, 400, 'invalid_value', 'provider.order'],
  ])('%s', async (_name, body, status, code, param) => {
    mock.reset();
    const r = await post('/v1/chat/completions', body);
    expect(r.status).toBe(status);
    expect(r.json?.['error']).toMatchObject({ code, param });
    expect(typeof r.json?.['error']?.message).toBe('string');
    expect(mock.count()).toBe(0);
  });

  it('a 10 MiB body gets 413', async () => {
    mock.reset();
    const big = { ...chat, messages: [{ role: 'user', content: 'x'.repeat(10 * 1024 * 1024) }] };
    const r = await post('/v1/chat/completions', big);
    expect(r.status).toBe(413);
    expect(r.json?.['error']?.code).toBe('payload_too_large');
    expect(mock.count()).toBe(0);
  });

  it('keys: missing, unknown, revoked, expired → 401; disallowed model → 403', async () => {
    mock.reset();
    expect((await post('/v1/chat/completions', chat, { authorization: '' })).status).toBe(401);
    const unknown = await post('/v1/chat/completions', chat, { authorization: 'Bearer tg-not-a-real-key' });
    expect(unknown.status).toBe(401);
    expect(unknown.json?.['error']).toMatchObject({ type: 'authentication_error', code: 'invalid_api_key' });

    const revoked = await w.makeKey({ name: 'to-revoke' });
    expect((await post('/v1/chat/completions', chat, { authorization: `Bearer ${revoked.secret}` })).status).toBe(200);
    await w.t.identity.apiKeys.revoke(revoked.id, systemContext);
    expect((await post('/v1/chat/completions', chat, { authorization: `Bearer ${revoked.secret}` })).status).toBe(401);

    const expiring = await w.makeKey({ name: 'short', expires_at: new Date(Date.now() + 1500).toISOString() });
    await new Promise((r) => setTimeout(r, 1600));
    const exp = await post('/v1/chat/completions', chat, { 'x-api-key': expiring.secret, authorization: '' });
    expect(exp.status).toBe(401);
    expect(exp.json?.['error']?.message).toMatch(/expired/);

    const narrow = await w.makeKey({ name: 'narrow', allowed_models: ['m2'] });
    const denied = await post('/v1/chat/completions', chat, { authorization: `Bearer ${narrow.secret}` });
    expect(denied.status).toBe(403);
    expect(denied.json?.['error']).toMatchObject({ type: 'permission_error', code: 'model_not_allowed' });
    expect(mock.count()).toBe(1); // only the call made before revoking
  });

  it('/v1/messages answers in the Anthropic error envelope', async () => {
    mock.reset();
    const r = await post('/v1/messages', { model: 'm1', messages: [{ role: 'user', content: 'x' }] });
    expect(r.status).toBe(400);
    expect(r.json).toEqual({
      type: 'error',
      error: { type: 'invalid_request_error', message: expect.stringMatching(/^max_tokens: /) },
    });
    const badRole = await post('/v1/messages', {
      model: 'm1',
      max_tokens: 5,
      messages: [{ role: 'system', content: 'x' }],
    });
    expect(badRole.status).toBe(400);
    expect(badRole.json?.['error']?.message).toMatch(/^messages\.0\.role/);
    expect(mock.count()).toBe(0);
    const client = new Anthropic({ apiKey: 'tg-wrong', baseURL: w.baseUrl, maxRetries: 0 });
    await expect(
      client.messages.create({ model: 'm1', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }),
    ).rejects.toMatchObject({ status: 401 });
  });
});

describe('rate limits', () => {
  it('refuses over rpm with 429, Retry-After and x-ratelimit headers, before the provider', async () => {
    const k = await w.makeKey({ name: 'slow', rpm: 2 });
    const h = { authorization: `Bearer ${k.secret}` };
    const first = await post('/v1/chat/completions', chat, h);
    expect(first.status).toBe(200);
    expect(first.headers['x-ratelimit-limit-requests']).toBe('2');
    await post('/v1/chat/completions', chat, h);
    mock.reset();
    const third = await post('/v1/chat/completions', chat, h);
    expect(third.status).toBe(429);
    expect(Number(third.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(third.headers['x-ratelimit-remaining-requests']).toBe('0');
    expect(third.json?.['error']).toMatchObject({ type: 'rate_limit_error' });
    expect(mock.count()).toBe(0);
  });

  it('a tpm below the default output cap still serves uncapped calls, counted at their real size', async () => {
    // No max_tokens: the reservation holds the default cap (4096 tokens), but tpm counts the
    // prompt up front and the real usage after, so a 1,000-tpm key makes many small calls.
    const k = await w.makeKey({ name: 'few-tokens', tpm: 1000 });
    const h = { authorization: `Bearer ${k.secret}` };
    const uncapped = { model: 'm1', messages: [{ role: 'user', content: 'hi' }] };
    for (let i = 0; i < 5; i++) expect((await post('/v1/chat/completions', uncapped, h)).status).toBe(200);
    const last = await post('/v1/chat/completions', uncapped, h);
    expect(last.status).toBe(200);
    // Five calls of the mock's 10 + 3 tokens are counted, not five default caps.
    expect(Number(last.headers['x-ratelimit-remaining-tokens'])).toBeGreaterThan(1000 - 6 * 13 - 20);
    // A call asking for more than a minute's tokens goes when the bucket is full, not never.
    const k2 = await w.makeKey({ name: 'big-ask', tpm: 1000 });
    const big = await post(
      '/v1/chat/completions',
      { ...uncapped, max_tokens: 5000 },
      { authorization: `Bearer ${k2.secret}` },
    );
    expect(big.status).toBe(200);
  });
});

describe('budgets', () => {
  /** The reservation of one `chat` call: its prompt and its whole output allowance. */
  const oneCallBound = () =>
    w.t.money.pricing.upperBound(
      w.tenantId,
      'm1',
      estimatePromptTokensFast(chat as never),
      chat.max_tokens,
      w.t.core.clock.now(),
    );

  it('a key with budget for N calls under 10×N concurrent calls: N successes, 402 for the rest, no provider call for them', async () => {
    const N = 4;
    const ub = oneCallBound();
    expect(ub).not.toBeNull();
    const k = await w.makeKey({ name: 'budgeted', budget: ub! * BigInt(N), budget_period: 'total' });
    mock.reset();
    // Hold every admitted call at the upstream so all 10×N decisions happen while N are in flight.
    mock.setDefaults({ latencyMs: 400 });
    try {
      const results = await Promise.all(
        Array.from({ length: 10 * N }, () =>
          post('/v1/chat/completions', chat, { authorization: `Bearer ${k.secret}` }),
        ),
      );
      const ok = results.filter((r) => r.status === 200);
      const refused = results.filter((r) => r.status === 402);
      expect(ok).toHaveLength(N);
      expect(refused).toHaveLength(9 * N);
      expect(refused[0]!.json?.['error']).toMatchObject({ type: 'insufficient_quota', code: 'key_budget_exceeded' });
      expect(mock.count('/v1/chat/completions')).toBe(N);
    } finally {
      mock.setDefaults({});
    }
  });

  it('n completions reserve n output allowances: a budget for 4 single calls refuses n: 5, never reaching the provider', async () => {
    const ub = oneCallBound();
    const k = await w.makeKey({ name: 'choices', budget: ub! * 4n, budget_period: 'total' });
    mock.reset();
    const auth = { authorization: `Bearer ${k.secret}` };
    const five = await post('/v1/chat/completions', { ...chat, n: 5 }, auth);
    expect(five.status).toBe(402);
    expect(five.json?.['error']).toMatchObject({ type: 'insufficient_quota', code: 'key_budget_exceeded' });
    expect(mock.count()).toBe(0);
    expect((await post('/v1/chat/completions', { ...chat, n: 2 }, auth)).status).toBe(200);
  });

  it('an empty wallet refuses with 402 insufficient_quota', async () => {
    const poor = await createWorld({
      catalog: {
        providers: [mockProvider(mock, 'openai', 'up')],
        models: [{ name: 'm1', deployments: [{ provider: 'up', model: 'u1' }], pricing }],
      },
    });
    try {
      mock.reset();
      const res = await request(`${poor.baseUrl}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${poor.secret}`, 'content-type': 'application/json' },
        body: JSON.stringify(chat),
      });
      expect(res.statusCode).toBe(402);
      const body = (await res.body.json()) as { error: { type: string; code: string } };
      expect(body.error.type).toBe('insufficient_quota');
      expect(['insufficient_balance', 'budget_exceeded']).toContain(body.error.code);
      expect(mock.count()).toBe(0);
    } finally {
      await poor.close();
    }
  });
});
