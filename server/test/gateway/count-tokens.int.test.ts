// POST /v1/messages/count_tokens through the official Anthropic SDK and raw HTTP, against the mock
// upstream: an Anthropic deployment's own count (the request reduced to the fields Anthropic's
// endpoint takes), the tokenizer estimate for other providers and when the provider fails, the
// Anthropic error envelope for refusals, and nothing metered or charged.
import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCountTokensRequest } from '../../src/providers/messages-api/index.js';
import { estimatePromptTokens } from '../../src/providers/tokenizer/index.js';
import { startMockUpstream, type MockUpstream } from '../mock-upstream/index.js';
import { createWorld, mockProvider, type World } from './world.js';

let mock: MockUpstream;
let w: World;
let claude: Anthropic;

const pricing = { input_per_mtok: '3', output_per_mtok: '15' };

beforeAll(async () => {
  mock = await startMockUpstream({ apiKey: 'k' });
  w = await createWorld({
    catalog: {
      providers: [
        mockProvider(mock, 'anthropic', 'claude', 'k'),
        mockProvider(mock, 'openai', 'oai', 'k'),
        mockProvider(mock, 'anthropic', 'claude-badkey', 'wrong'),
      ],
      models: [
        { name: 'sonnet', deployments: [{ provider: 'claude', model: 'claude-sonnet-4-5' }], pricing },
        { name: 'mini', deployments: [{ provider: 'oai', model: 'gpt-4o-mini' }], pricing },
        { name: 'sonnet-badkey', deployments: [{ provider: 'claude-badkey', model: 'claude-sonnet-4-5' }], pricing },
      ],
    },
    wallet: '10',
  });
  claude = new Anthropic({ apiKey: w.secret, baseURL: w.baseUrl, maxRetries: 0 });
});
afterAll(async () => {
  await w?.close();
  await mock?.close();
});

const request = {
  system: 'You are terse.',
  messages: [{ role: 'user' as const, content: 'How many tokens is this question?' }],
  tools: [{ name: 'lookup', description: 'Look a word up', input_schema: { type: 'object' as const, properties: {} } }],
};

/** What the gateway's tokenizer says for a count_tokens body on `upstreamModel`. */
function estimateOf(body: Record<string, unknown>, upstreamModel: string): number {
  const parsed = parseCountTokensRequest(body);
  if (!parsed.ok) throw new Error(parsed.error.message);
  return estimatePromptTokens(parsed.value, upstreamModel);
}

function post(body: unknown, secret = w.secret) {
  return fetch(`${w.baseUrl}/v1/messages/count_tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': secret, 'anthropic-version': '2023-06-01' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

describe('POST /v1/messages/count_tokens', () => {
  it("an Anthropic deployment counts: the SDK gets the provider's figure", async () => {
    mock.reset();
    mock.enqueue({ promptTokens: 1234 });
    const r = await claude.messages.countTokens({ model: 'sonnet', ...request });
    expect(r).toEqual({ input_tokens: 1234 });

    expect(mock.count('/v1/messages/count_tokens')).toBe(1);
    expect(mock.count('/v1/messages')).toBe(0);
    const sent = mock.lastRequest()!;
    expect(sent.headers['x-api-key']).toBe('k');
    expect(sent.headers['anthropic-version']).toBeTruthy();
    // Only the fields Anthropic's endpoint takes (the mock refuses any other, as Anthropic does).
    const body = JSON.parse(sent.body) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(['messages', 'model', 'system', 'tools']);
    expect(body['model']).toBe('claude-sonnet-4-5');
    expect(body['system']).toBe('You are terse.');
    expect((body['tools'] as { name: string }[])[0]!.name).toBe('lookup');
  });

  it('other providers: the tokenizer estimate, no upstream call', async () => {
    mock.reset();
    const r = await claude.messages.countTokens({ model: 'mini', ...request });
    const expected = estimateOf({ model: 'mini', ...request }, 'gpt-4o-mini');
    expect(r.input_tokens).toBe(expected);
    expect(expected).toBeGreaterThan(10);
    const longer = await claude.messages.countTokens({
      model: 'mini',
      ...request,
      messages: [{ role: 'user', content: 'How many tokens is this question? '.repeat(50) }],
    });
    expect(longer.input_tokens).toBeGreaterThan(r.input_tokens + 300);
    expect(mock.count()).toBe(0);
  });

  it('a provider that fails to count: the estimate instead of an error', async () => {
    mock.reset();
    mock.enqueue({ status: 500 });
    const r = await claude.messages.countTokens({ model: 'sonnet', ...request });
    expect(r.input_tokens).toBe(estimateOf({ model: 'sonnet', ...request }, 'claude-sonnet-4-5'));
    expect(mock.count('/v1/messages/count_tokens')).toBe(1);

    mock.reset();
    const bad = await claude.messages.countTokens({ model: 'sonnet-badkey', ...request });
    expect(bad.input_tokens).toBe(estimateOf({ model: 'sonnet-badkey', ...request }, 'claude-sonnet-4-5'));
    expect(mock.count('/v1/messages/count_tokens')).toBe(1);
  });

  it('max_tokens and other generation fields are accepted and not forwarded', async () => {
    mock.reset();
    const r = await post({ model: 'sonnet', max_tokens: 100, temperature: 0.5, stream: true, ...request });
    expect(r.status).toBe(200);
    expect(((await r.json()) as { input_tokens: number }).input_tokens).toBeGreaterThan(0);
    expect(Object.keys(JSON.parse(mock.lastRequest()!.body) as object).sort()).toEqual([
      'messages',
      'model',
      'system',
      'tools',
    ]);
  });

  it('refusals answer in Anthropic’s error envelope', async () => {
    const cases: [unknown, string | undefined, number, string][] = [
      [{ model: 'nope', ...request }, undefined, 404, 'not_found_error'],
      [{ model: 'sonnet', messages: [] }, undefined, 400, 'invalid_request_error'],
      [{ model: 'sonnet' }, undefined, 400, 'invalid_request_error'],
      ['{"model": "sonnet", "messages": [', undefined, 400, 'invalid_request_error'],
      [{ model: 'sonnet', ...request }, 'tg-not-a-key', 401, 'authentication_error'],
    ];
    for (const [body, secret, status, type] of cases) {
      const r = await post(body, secret);
      expect(r.status, JSON.stringify(body)).toBe(status);
      const e = (await r.json()) as { type: string; error: { type: string; message: string } };
      expect(e.type).toBe('error');
      expect(e.error.type).toBe(type);
    }
    const missing = await post({ model: 'sonnet' });
    expect(((await missing.json()) as { error: { message: string } }).error.message).toMatch(/messages/);

    const limited = await w.makeKey({ name: 'mini only', allowed_models: ['mini'] });
    const r = await post({ model: 'sonnet', ...request }, limited.secret);
    expect(r.status).toBe(403);
    expect(((await r.json()) as { error: { type: string } }).error.type).toBe('permission_error');
  });

  it('nothing is metered, reserved or charged', async () => {
    const wallet = async () => (await w.t.money.wallets.getWallet(w.tenantId)).balance;
    const before = await wallet();
    await claude.messages.countTokens({ model: 'sonnet', ...request });
    await claude.messages.countTokens({ model: 'mini', ...request });
    await w.t.metering.pipeline.flush();
    const records = await w.t.db.kysely.selectFrom('usage_records').select('id').execute();
    expect(records).toHaveLength(0);
    expect(await wallet()).toBe(before);
  });
});
