// A request whose upper-bound cost is within MAX_AMOUNT but far too large for a budget slice
// (2e9 output tokens of a model at $50 000 per million: 1e17 nano; 16 such requests × 8 slices of
// headroom pass int64) is refused with the ordinary 402 insufficient_quota envelope, not a 500.
import { request } from 'undici';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startMockUpstream, type MockUpstream } from '../mock-upstream/index.js';
import { createWorld, mockProvider, type World } from './world.js';

let mock: MockUpstream;
let w: World;

beforeAll(async () => {
  mock = await startMockUpstream();
  w = await createWorld({
    catalog: {
      providers: [mockProvider(mock, 'openai', 'up')],
      models: [
        {
          name: 'm1',
          deployments: [{ provider: 'up', model: 'u1' }],
          pricing: { input_per_mtok: '2', output_per_mtok: '50000' },
        },
      ],
    },
    wallet: '50',
  });
});
afterAll(async () => {
  await w?.close();
  await mock?.close();
});

async function chat(body: Record<string, unknown>) {
  const res = await request(`${w.baseUrl}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${w.secret}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'm1', messages: [{ role: 'user', content: 'hi' }], ...body }),
  });
  return { status: res.statusCode, json: (await res.body.json()) as { error?: { type?: string; code?: string } } };
}

it('is a 402 insufficient_balance without reaching the provider; ordinary calls still pass', async () => {
  mock.reset();
  for (let i = 0; i < 3; i++) {
    const r = await chat({ max_tokens: 2_000_000_000 });
    expect(r.status, JSON.stringify(r.json)).toBe(402);
    expect(r.json.error).toMatchObject({ type: 'insufficient_quota', code: 'insufficient_balance' });
  }
  expect(mock.count()).toBe(0);
  expect((await chat({ max_tokens: 20 })).status).toBe(200); // $1 of output: the wallet holds $50
});
