// A deployment that answers 401/402/403/404 (revoked key, unpaid account, retired model) is broken,
// not the request: the gateway falls back to the next deployment, bills only the answer, and the
// broken one cools down in the circuit breaker. A final upstream 429 passes its Retry-After on.
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectedMockUsage, startMockUpstream, type MockUpstream } from '../mock-upstream/index.js';
import { expectedCost, expectOneCharge, usageRecordsOf, type Rates } from './billing-check.js';
import { createWorld, mockProvider, twoDeployments, type World } from './world.js';

const RATES: Rates = { input: '1', output: '3' };
const pricing = { input_per_mtok: RATES.input, output_per_mtok: RATES.output };
const PATH = '/v1/chat/completions';
/** Consecutive failures that open a deployment's circuit (CIRCUIT_BREAKER_FAILURES). */
const FAILURE_THRESHOLD = 3;

let mock: MockUpstream;
let w: World;

beforeAll(async () => {
  mock = await startMockUpstream();
  w = await createWorld({
    catalog: {
      providers: [mockProvider(mock, 'openai', 'up')],
      models: [
        twoDeployments('broken-401', pricing),
        twoDeployments('broken-402', pricing),
        twoDeployments('broken-403', pricing),
        twoDeployments('broken-404', pricing),
        twoDeployments('broken-cools', pricing),
        twoDeployments('bad-request', pricing),
        { name: 'single', deployments: [{ provider: 'up', model: 'one' }], pricing },
      ],
    },
    // One pass over the plan: a final 429 is answered at once instead of after back-offs.
    env: { UPSTREAM_MAX_RETRIES: '0', CIRCUIT_BREAKER_FAILURES: String(FAILURE_THRESHOLD) },
    wallet: '100',
  });
});
afterAll(async () => {
  await w?.close();
  await mock?.close();
});

const messages = [{ role: 'user', content: 'hello' }];

const chat = (model: string) =>
  request(`${w.baseUrl}${PATH}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${w.secret}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages }),
  });

const sentModels = () => mock.requests().map((r) => (JSON.parse(r.body) as { model: string }).model);

describe('a broken deployment', () => {
  it.each([401, 402, 403, 404])('%s: the next deployment answers, one charge', async (status) => {
    const model = `broken-${status}`;
    mock.reset();
    mock.enqueue({ status });
    const res = await chat(model);
    expect(res.statusCode).toBe(200);
    await res.body.json();
    expect(sentModels()).toEqual([`${model}-primary`, `${model}-secondary`]);
    await expectOneCharge(w, String(res.headers['x-request-id']), expectedCost(expectedMockUsage(), RATES));
  });

  it('cools down: after enough failures the planner stops sending to it', async () => {
    mock.reset();
    for (let k = 0; k < FAILURE_THRESHOLD; k++) {
      mock.enqueue({ status: 401 });
      const res = await chat('broken-cools');
      expect(res.statusCode).toBe(200);
      await res.body.dump();
    }
    mock.reset();
    const res = await chat('broken-cools');
    expect(res.statusCode).toBe(200);
    await res.body.dump();
    expect(sentModels()).toEqual(['broken-cools-secondary']);
  });

  it('when every deployment is broken: 502 upstream_error naming the status, no provider text, no charge', async () => {
    mock.reset();
    mock.setDefaults({ status: 401 });
    try {
      const res = await chat('single');
      expect(res.statusCode).toBe(502);
      const body = (await res.body.json()) as { error: { type: string; code: string; message: string } };
      expect(body.error).toMatchObject({ type: 'server_error', code: 'upstream_error' });
      expect(body.error.message).toMatch(/HTTP 401/);
      expect(body.error.message).not.toMatch(/mock upstream|sk-/);
      expect(await usageRecordsOf(w, String(res.headers['x-request-id']))).toHaveLength(0);
    } finally {
      mock.setDefaults({});
    }
  });

  it('a 400 still stops at once: another deployment would refuse the request too', async () => {
    mock.reset();
    mock.enqueue({ status: 400 });
    const res = await chat('bad-request');
    expect(res.statusCode).toBe(400);
    await res.body.dump();
    expect(sentModels()).toEqual(['bad-request-primary']);
  });
});

describe('an upstream 429 as the final answer', () => {
  it("carries the upstream's Retry-After", async () => {
    mock.reset();
    mock.enqueue({ status: 429, retryAfter: 7 });
    const res = await chat('single');
    expect(res.statusCode).toBe(429);
    expect(res.headers['retry-after']).toBe('7');
    const body = (await res.body.json()) as { error: { code: string } };
    expect(body.error.code).toBe('upstream_rate_limited');
  });
});
