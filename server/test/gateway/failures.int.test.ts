// Upstream failures: fallback to the next deployment before the first byte (500, 429, timeout),
// mid-stream failure (SSE error event, billed for what was received), client disconnect
// (upstream aborted, billed for what was produced).
import OpenAI from 'openai';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CompletionTally, estimatePromptTokens } from '../../src/providers/tokenizer/index.js';
import { formatMoney } from '../../src/shared/money.js';
import { expectedMockUsage, mockPieces, startMockUpstream, type MockUpstream } from '../mock-upstream/index.js';
import { expectedCost, expectOneCharge, usageRecordsOf, type Rates } from './billing-check.js';
import { createWorld, mockProvider, twoDeployments, type World } from './world.js';

const RATES: Rates = { input: '1', output: '3' };
const pricing = { input_per_mtok: RATES.input, output_per_mtok: RATES.output };
const PATH = '/v1/chat/completions';

let mock: MockUpstream;
let w: World;
let openai: OpenAI;

beforeAll(async () => {
  mock = await startMockUpstream();
  w = await createWorld({
    catalog: {
      providers: [
        mockProvider(mock, 'openai', 'up'),
        mockProvider(mock, 'anthropic', 'up-anthropic'),
        mockProvider(mock, 'gemini', 'up-gemini'),
      ],
      models: [
        twoDeployments('fb-500', pricing),
        twoDeployments('fb-429', pricing),
        twoDeployments('fb-timeout', pricing, 300),
        { name: 'single', deployments: [{ provider: 'up', model: 'one' }], pricing },
        { name: 'single-claude', deployments: [{ provider: 'up-anthropic', model: 'claude-one' }], pricing },
        { name: 'single-gemini', deployments: [{ provider: 'up-gemini', model: 'gemini-one' }], pricing },
      ],
    },
    wallet: '100',
  });
  openai = new OpenAI({ apiKey: w.secret, baseURL: `${w.baseUrl}/v1`, maxRetries: 0 });
});
afterAll(async () => {
  await w?.close();
  await mock?.close();
});

const messages = [{ role: 'user' as const, content: 'hello' }];
/** An OpenAI stream event as the client reads it: a chunk, or the error that ends the stream. */
type StreamEvent = { choices?: { delta?: { content?: string } }[]; error?: { message: string } };
const usage = expectedMockUsage();

describe('fallback before the first byte', () => {
  it.each([
    ['fb-500', { status: 500 }],
    ['fb-429', { status: 429 }],
    ['fb-timeout', { hang: true }],
  ])('%s: the second deployment answers, one charge', async (model, failure) => {
    mock.reset();
    mock.enqueue(failure);
    const { data, response } = await openai.chat.completions.create({ model, messages }).withResponse();
    expect(data.choices[0]?.message.content).toBeTruthy();
    expect(mock.count(PATH)).toBe(2);
    const sent = mock.requests().map((r) => JSON.parse(r.body).model);
    expect(sent).toEqual([`${model}-primary`, `${model}-secondary`]);
    const rec = await expectOneCharge(w, response.headers.get('x-request-id')!, expectedCost(usage, RATES));
    expect(rec.deployment_id).toBeTruthy();
  });

  it('every attempt failing answers 502 and charges nothing', async () => {
    mock.reset();
    mock.setDefaults({ status: 503 });
    try {
      const res = await request(`${w.baseUrl}${PATH}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${w.secret}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'single', messages }),
      });
      expect(res.statusCode).toBe(502);
      const body = (await res.body.json()) as { error: { type: string; code: string } };
      expect(body.error).toMatchObject({ type: 'server_error', code: 'upstream_error' });
      expect(await usageRecordsOf(w, String(res.headers['x-request-id']))).toHaveLength(0);
    } finally {
      mock.setDefaults({});
    }
  });
});

describe('mid-stream failure', () => {
  it('sends an SSE error event and charges what was received', async () => {
    mock.reset();
    mock.enqueue({ cutAfter: 2, chunks: 6 });
    const body = { model: 'single', messages, stream: true };
    const res = await request(`${w.baseUrl}${PATH}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${w.secret}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(res.statusCode).toBe(200);
    const text = await res.body.text();
    const events = text
      .split('\n\n')
      .filter(Boolean)
      .map((e) => e.replace(/^data: /, ''));
    const last = JSON.parse(events.at(-1)!) as { error?: { type: string } };
    expect(last.error?.type).toBe('server_error');
    expect(text).not.toContain('[DONE]');
    const received = mockPieces({ chunks: 6 }).slice(0, 2).join('');
    expect(
      events
        .slice(0, -1)
        .map((e) => JSON.parse(e).choices[0]?.delta?.content ?? '')
        .join(''),
    ).toBe(received);

    // Billed from the tokenizer: the prompt plus exactly the text the client received.
    const tally = new CompletionTally();
    tally.add({ choices: [{ delta: { content: received } }] });
    const estimated = {
      ...usage,
      promptTokens: estimatePromptTokens({ ...body }, 'single'),
      completionTokens: tally.tokens('single'),
    };
    const rec = await expectOneCharge(w, String(res.headers['x-request-id']), expectedCost(estimated, RATES));
    expect(rec.status).toBe('incomplete');
    expect(rec.usage_source).toBe('estimated');
    expect(rec.cost).toBeGreaterThan(0n);
  });

  it.each(['single', 'single-claude', 'single-gemini'])(
    "%s: the provider's own error event after some output reaches the client after that output, billed for it",
    async (model) => {
      mock.reset();
      mock.enqueue({ errorAfter: 2, chunks: 6 });
      const body = { model, messages, stream: true };
      const res = await request(`${w.baseUrl}${PATH}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${w.secret}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(res.statusCode).toBe(200);
      const events = (await res.body.text())
        .split('\n\n')
        .filter(Boolean)
        .map((e) => JSON.parse(e.replace(/^data: /, '')) as StreamEvent);
      const received = mockPieces({ chunks: 6 }).slice(0, 2).join('');
      expect(
        events
          .slice(0, -1)
          .map((e) => e['choices']?.[0]?.delta?.content ?? '')
          .join(''),
      ).toBe(received);
      expect(events.at(-1)!['error']).toMatchObject({ message: expect.stringContaining('overloaded mid-stream') });
      expect(mock.count()).toBe(1); // output had reached the client: no second attempt

      const tally = new CompletionTally();
      tally.add({ choices: [{ delta: { content: received } }] });
      const estimated = {
        ...usage,
        promptTokens: estimatePromptTokens({ ...body }, model),
        completionTokens: tally.tokens(model),
      };
      const rec = await expectOneCharge(w, String(res.headers['x-request-id']), expectedCost(estimated, RATES));
      expect(rec.status).toBe('incomplete');
      expect(rec.usage_source).toBe('estimated');
    },
  );

  it('an error event before any output: the next deployment answers the whole stream, one charge', async () => {
    mock.reset();
    mock.enqueue({ errorAfter: 0 });
    const res = await request(`${w.baseUrl}${PATH}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${w.secret}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'fb-500', messages, stream: true, stream_options: { include_usage: true } }),
    });
    const text = await res.body.text();
    expect(text.trimEnd().endsWith('data: [DONE]')).toBe(true);
    expect(text).not.toContain('"error"');
    expect(mock.requests().map((r) => JSON.parse(r.body).model)).toEqual(['fb-500-primary', 'fb-500-secondary']);
    await expectOneCharge(w, String(res.headers['x-request-id']), expectedCost(usage, RATES));
  });

  it.each(['single', 'single-claude', 'single-gemini'])(
    '%s: an upstream that stays open after its final marker still ends the stream at once, billed success',
    async (model) => {
      // The whole stream, [DONE] / message_stop / Gemini's finishing event with its usage included,
      // then the connection stays open (the default upstream timeout is 600 s: waiting for the
      // body's end would hang the client).
      mock.enqueue({ chunks: 3, stallAfter: 100 });
      const t0 = performance.now();
      const res = await request(`${w.baseUrl}${PATH}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${w.secret}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model, messages, stream: true, stream_options: { include_usage: true } }),
      });
      const text = await res.body.text();
      expect(performance.now() - t0).toBeLessThan(5_000);
      expect(text.trimEnd().endsWith('data: [DONE]')).toBe(true);
      expect(text).not.toContain('"error"');
      const rec = await expectOneCharge(w, String(res.headers['x-request-id']), expectedCost(usage, RATES));
      expect(rec.status).toBe('success');
      expect(rec.usage_source).toBe('provider');
    },
  );

  it.each(['single', 'single-claude', 'single-gemini'])(
    '%s: a body that ends just after the final marker keeps the upstream connection for the next call',
    async (model) => {
      // Over a real network the chunked terminator often comes in a later read than [DONE] /
      // message_stop: reading it (instead of aborting) keeps the keep-alive connection, so the next
      // call does not pay a new connection (a TLS handshake with a real provider).
      const stream = async () => {
        mock.enqueue({ chunks: 3, endDelayMs: 30 });
        const res = await request(`${w.baseUrl}${PATH}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${w.secret}`, 'content-type': 'application/json' },
          body: JSON.stringify({ model, messages, stream: true }),
        });
        const text = await res.body.text();
        expect(text.trimEnd().endsWith('data: [DONE]')).toBe(true);
        await expectOneCharge(w, String(res.headers['x-request-id']), expectedCost(usage, RATES));
        await new Promise((r) => setTimeout(r, 60)); // the upstream body has ended by now
      };
      await stream();
      const before = mock.connections();
      await stream();
      await stream();
      expect(mock.connections()).toBe(before);
    },
  );

  it('the openai SDK surfaces the error event', async () => {
    mock.enqueue({ cutAfter: 1, chunks: 4 });
    const stream = await openai.chat.completions.create({ model: 'single', messages, stream: true });
    await expect(async () => {
      for await (const _ of stream) void _;
    }).rejects.toThrow();
  });
});

describe('garbage from the upstream', () => {
  const post = (body: object) =>
    request(`${w.baseUrl}${PATH}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${w.secret}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  it.each([
    ['an unreadable JSON answer', 'json', false],
    ['a stream of non-JSON events', 'sse', true],
  ] as const)('%s falls back to the next deployment, one charge', async (_name, garbage, stream) => {
    mock.reset();
    mock.enqueue({ garbage });
    const res = await post({ model: 'fb-500', messages, ...(stream ? { stream: true } : {}) });
    expect(res.statusCode).toBe(200);
    const text = await res.body.text();
    expect(text).toContain(stream ? '[DONE]' : '"choices"');
    expect(mock.requests().map((r) => JSON.parse(r.body).model)).toEqual(['fb-500-primary', 'fb-500-secondary']);
    await expectOneCharge(w, String(res.headers['x-request-id']), expectedCost(usage, RATES));
  });

  it.each([
    ['json', false],
    ['sse', true],
  ] as const)('garbage from every attempt (%s) is a 502 before any byte and costs nothing', async (garbage, stream) => {
    mock.reset();
    mock.setDefaults({ garbage });
    try {
      const res = await post({ model: 'single', messages, ...(stream ? { stream: true } : {}) });
      expect(res.statusCode).toBe(502);
      expect(res.headers['content-type']).toMatch(/application\/json/);
      expect(((await res.body.json()) as { error: { code: string } }).error.code).toBe('upstream_error');
      expect(mock.count(PATH)).toBe(3); // the deployment, then UPSTREAM_MAX_RETRIES=2 retries
      expect(await usageRecordsOf(w, String(res.headers['x-request-id']))).toHaveLength(0);
    } finally {
      mock.setDefaults({});
    }
  });
});

describe('client disconnect', () => {
  it('aborts the upstream stream and charges what was produced (cancelled)', async () => {
    mock.reset();
    mock.enqueue({ chunks: 50, chunkDelayMs: 40 });
    const ac = new AbortController();
    const res = await request(`${w.baseUrl}${PATH}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${w.secret}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'single', messages, stream: true }),
      signal: ac.signal,
    });
    const requestId = String(res.headers['x-request-id']);
    let seen = 0;
    try {
      for await (const c of res.body) {
        seen += (c.toString().match(/"content"/g) ?? []).length;
        if (seen >= 3) ac.abort();
      }
    } catch {
      // aborted by us
    }
    let recs: Awaited<ReturnType<typeof usageRecordsOf>> = [];
    for (let i = 0; i < 50 && recs.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 50));
      recs = await usageRecordsOf(w, requestId);
    }
    expect(recs).toHaveLength(1);
    expect(recs[0]!.status).toBe('cancelled');
    expect(recs[0]!.completion_tokens).toBeGreaterThan(0n);
    expect(recs[0]!.completion_tokens).toBeLessThan(50n);
    expect(recs[0]!.cost).toBeGreaterThan(0n);
  });
});

describe('headers', () => {
  it('non-stream answers carry request id, cost, provider; streams send the cost as a trailer', async () => {
    const res = await request(`${w.baseUrl}${PATH}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${w.secret}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'single', messages, stream: true }),
    });
    await res.body.text();
    expect(res.trailers['x-tollgate-cost']).toBe(formatMoney(expectedCost(usage, RATES)));
    expect(res.headers['x-tollgate-provider']).toBe('up');
    expect(String(res.headers['x-request-id'])).toMatch(/^req_/);
  });

  it('a client-chosen x-request-id is not trusted as the billing id', async () => {
    const h = { authorization: `Bearer ${w.secret}`, 'content-type': 'application/json', 'x-request-id': 'dup-1' };
    const a = await request(`${w.baseUrl}${PATH}`, {
      method: 'POST',
      headers: h,
      body: JSON.stringify({ model: 'single', messages }),
    });
    const b = await request(`${w.baseUrl}${PATH}`, {
      method: 'POST',
      headers: h,
      body: JSON.stringify({ model: 'single', messages }),
    });
    await a.body.text();
    await b.body.text();
    expect(a.headers['x-request-id']).not.toBe(b.headers['x-request-id']);
    await expectOneCharge(w, String(a.headers['x-request-id']), expectedCost(usage, RATES));
    await expectOneCharge(w, String(b.headers['x-request-id']), expectedCost(usage, RATES));
  });
});
