import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type {
  ChatChunk,
  ChatRequest,
  ProviderEndpoint,
  ProviderType,
  StreamParser,
  UpstreamRequest,
} from '../../src/providers/ports.js';
import { getProviderAdapter } from '../../src/providers/registry.js';
import {
  expectedMockUsage,
  MOCK_TOOL_CALL,
  mockText,
  startMockUpstream,
  type MockBehavior,
  type MockUpstream,
} from './index.js';

let mock: MockUpstream;
const KEY = 'mock-secret';

beforeAll(async () => {
  mock = await startMockUpstream({ apiKey: KEY, models: ['gpt-mock', 'claude-mock'] });
});
afterAll(async () => {
  await mock.close();
});
beforeEach(() => mock.reset());

function endpoint(type: ProviderType): ProviderEndpoint {
  const baseUrl = type === 'openai' ? `${mock.url}/v1` : mock.url;
  return { id: type, type, baseUrl, apiKey: KEY, apiVersion: type === 'azure-openai' ? '2024-10-21' : null };
}

const send = (up: UpstreamRequest, extra: Record<string, string> = {}, signal?: AbortSignal) =>
  fetch(up.url, { method: up.method, headers: { ...up.headers, ...extra }, body: up.body, signal });

const chatReq = (stream: boolean, extra: Record<string, unknown> = {}): ChatRequest => ({
  model: 'public',
  messages: [{ role: 'user', content: 'hi' }],
  stream,
  ...extra,
});
const formatOf = (t: ProviderType) =>
  (t === 'azure-openai' ? 'azure' : t) as 'openai' | 'azure' | 'anthropic' | 'gemini';

async function readStream(res: Response, parser: StreamParser): Promise<{ chunks: ChatChunk[]; failed: boolean }> {
  const chunks: ChatChunk[] = [];
  let failed = false;
  try {
    for await (const piece of res.body as unknown as AsyncIterable<Uint8Array>) chunks.push(...parser.push(piece));
  } catch {
    failed = true;
  }
  chunks.push(...parser.end());
  return { chunks, failed };
}

const textOf = (chunks: ChatChunk[]) =>
  chunks.map((c) => (c.choices[0] as { delta?: { content?: string } } | undefined)?.delta?.content ?? '').join('');

const PROVIDERS: ProviderType[] = ['openai', 'azure-openai', 'anthropic', 'gemini'];
const usageBehavior: MockBehavior = {
  promptTokens: 1234,
  completionTokens: 56,
  cachedTokens: 200,
  cacheWriteTokens: 30,
  reasoningTokens: 7,
  chunks: 4,
};

describe.each(PROVIDERS)('mock upstream speaks %s', (type) => {
  const adapter = getProviderAdapter(type);

  it('answers non-stream chat with deterministic content and the scripted usage', async () => {
    const up = adapter.buildChatRequest(endpoint(type), 'upstream-model', chatReq(false));
    const res = await send(up, { 'x-mock-behavior': JSON.stringify(usageBehavior) });
    expect(res.status).toBe(200);
    const expected = expectedMockUsage(usageBehavior, formatOf(type));
    expect(JSON.parse(res.headers.get('x-mock-usage')!)).toEqual(expectedMockUsage(usageBehavior));
    const { response, usage } = adapter.parseChatResponse(await res.json(), 'public');
    expect(usage).toEqual(expected);
    expect((response.choices[0] as { message: { content: string } }).message.content).toBe(mockText(usageBehavior));
    expect(mock.count()).toBe(1);
  });

  it('streams with usage, parsed identically by the adapter', async () => {
    const up = adapter.buildChatRequest(endpoint(type), 'upstream-model', chatReq(true));
    const res = await send(up, { 'x-mock-behavior': JSON.stringify(usageBehavior) });
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    const parser = adapter.createStreamParser('public');
    const { chunks, failed } = await readStream(res, parser);
    expect(failed).toBe(false);
    expect(parser.completed?.()).toBe(true);
    expect(parser.error()).toBeNull();
    expect(textOf(chunks)).toBe('w0 w1 w2 w3');
    expect(parser.usage()).toEqual(expectedMockUsage(usageBehavior, formatOf(type)));
  });

  it('answers tool calls', async () => {
    const res = await send(adapter.buildChatRequest(endpoint(type), 'm', chatReq(true)), {
      'x-mock-behavior': 'toolCall',
    });
    const parser = adapter.createStreamParser('public');
    const { chunks } = await readStream(res, parser);
    const calls = chunks.flatMap(
      (c) =>
        (
          c.choices[0] as
            { delta?: { tool_calls?: { id?: string; function: { name?: string; arguments?: string } }[] } } | undefined
        )?.delta?.tool_calls ?? [],
    );
    expect(calls[0]).toMatchObject({ id: MOCK_TOOL_CALL.id, function: { name: MOCK_TOOL_CALL.name } });
    expect(calls.map((c) => c.function.arguments ?? '').join('')).toBe(MOCK_TOOL_CALL.arguments);
    const finish = chunks
      .map((c) => (c.choices[0] as { finish_reason?: string } | undefined)?.finish_reason)
      .filter(Boolean);
    expect(finish).toEqual(['tool_calls']);
  });

  it('sends provider-shaped errors with retry-after', async () => {
    for (const status of [429, 500, 503]) {
      const res = await send(adapter.buildChatRequest(endpoint(type), 'm', chatReq(false)), {
        'x-mock-behavior': `status=${status};retryAfter=3`,
      });
      expect(res.status).toBe(status);
      expect(res.headers.get('retry-after')).toBe('3');
      const err = adapter.parseError(res.status, await res.text());
      expect(err).toEqual({ status, message: `mock upstream error ${status}`, retryable: true });
    }
  });

  it('streams without usage when asked (the gateway must estimate)', async () => {
    const res = await send(adapter.buildChatRequest(endpoint(type), 'm', chatReq(true)), {
      'x-mock-behavior': 'noUsage',
    });
    const parser = adapter.createStreamParser('public');
    const { chunks } = await readStream(res, parser);
    expect(textOf(chunks)).toBe('w0 w1 w2');
    expect(parser.usage()).toBeNull();
  });

  it('cuts a stream mid-way: the client sees the first chunks, then an error; the parser reports truncation', async () => {
    const res = await send(adapter.buildChatRequest(endpoint(type), 'm', chatReq(true)), {
      'x-mock-behavior': 'cutAfter=2;chunks=5',
    });
    const parser = adapter.createStreamParser('public');
    const { chunks, failed } = await readStream(res, parser);
    expect(failed).toBe(true);
    expect(textOf(chunks)).toBe('w0 w1');
    expect(parser.completed?.()).toBe(false);
  });

  it("fails a stream mid-way with the provider's own error event: the parser reports it as retryable", async () => {
    const res = await send(adapter.buildChatRequest(endpoint(type), 'm', chatReq(true)), {
      'x-mock-behavior': 'errorAfter=2;chunks=5',
    });
    expect(res.status).toBe(200);
    const parser = adapter.createStreamParser('public');
    const { chunks, failed } = await readStream(res, parser);
    expect(failed).toBe(false);
    expect(textOf(chunks)).toBe('w0 w1');
    expect(parser.error()).toMatchObject({ message: 'mock upstream overloaded mid-stream', retryable: true });
    expect(parser.completed?.()).toBe(false);
  });

  it('sends garbage that the adapter rejects', async () => {
    const bad = await send(adapter.buildChatRequest(endpoint(type), 'm', chatReq(false)), {
      'x-mock-behavior': 'garbage=json',
    });
    expect(bad.status).toBe(200);
    await expect(bad.json()).rejects.toThrow();
    const res = await send(adapter.buildChatRequest(endpoint(type), 'm', chatReq(true)), {
      'x-mock-behavior': 'garbage=sse',
    });
    const parser = adapter.createStreamParser('public');
    await readStream(res, parser);
    expect(parser.error()).toMatchObject({ status: 502 });
  });

  it('refuses a wrong key with 401', async () => {
    const res = await send(adapter.buildChatRequest({ ...endpoint(type), apiKey: 'wrong' }, 'm', chatReq(false)));
    expect(res.status).toBe(401);
    expect(adapter.parseError(401, await res.text()).retryable).toBe(false);
  });
});

describe('mock upstream: scripting, timing and bookkeeping', () => {
  const openai = getProviderAdapter('openai');
  const chat = (extra: Record<string, string> = {}, signal?: AbortSignal) =>
    send(openai.buildChatRequest(endpoint('openai'), 'gpt-mock', chatReq(false)), extra, signal);

  it('counts requests per path and records them', async () => {
    await chat();
    await chat();
    await send(openai.buildEmbeddingsRequest!(endpoint('openai'), 'emb', { model: 'e', input: 'x' }));
    expect(mock.count('/v1/chat/completions')).toBe(2);
    expect(mock.count('/v1/embeddings')).toBe(1);
    expect(mock.count('/v1/messages')).toBe(0);
    expect(mock.counts()).toEqual({ '/v1/chat/completions': 2, '/v1/embeddings': 1 });
    expect(JSON.parse(mock.lastRequest()!.body)).toEqual({ model: 'emb', input: 'x' });
    expect(mock.requests()[0]!.headers['authorization']).toBe(`Bearer ${KEY}`);
    mock.reset();
    expect(mock.count()).toBe(0);
  });

  it('plays a scenario queue in order, then falls back to the defaults', async () => {
    mock.enqueue({ status: 429, retryAfter: 1 }, { status: 500 });
    expect((await chat()).status).toBe(429);
    expect((await chat()).status).toBe(500);
    expect((await chat()).status).toBe(200);
    mock.setDefaults({ status: 503 });
    expect((await chat()).status).toBe(503);
    mock.setDefaults({});
  });

  it('applies latency before headers and time-to-first-token in streams', async () => {
    let t = performance.now();
    await (await chat({ 'x-mock-behavior': 'latencyMs=120' })).text();
    expect(performance.now() - t).toBeGreaterThanOrEqual(110);
    t = performance.now();
    const res = await send(openai.buildChatRequest(endpoint('openai'), 'm', chatReq(true)), {
      'x-mock-behavior': 'ttftMs=150;chunkDelayMs=20;chunks=3',
    });
    const headersAt = performance.now() - t;
    const reader = res.body!.getReader();
    await reader.read();
    const firstAt = performance.now() - t;
    await res.body?.cancel().catch(() => {});
    expect(headersAt).toBeLessThan(140);
    expect(firstAt).toBeGreaterThanOrEqual(140);
  });

  it('hangs when asked (the client times out) and stalls mid-stream', async () => {
    await expect(chat({ 'x-mock-behavior': 'hang' }, AbortSignal.timeout(150))).rejects.toThrow();
    const res = await send(
      openai.buildChatRequest(endpoint('openai'), 'm', chatReq(true)),
      { 'x-mock-behavior': 'stallAfter=1' },
      AbortSignal.timeout(400),
    );
    const parser = openai.createStreamParser('p');
    const { chunks, failed } = await readStream(res, parser);
    expect(failed).toBe(true); // aborted by the client's timeout while stalled
    expect(textOf(chunks)).toBe('w0');
  });

  it('serves /v1/models, embeddings, legacy completions and Gemini batch embeddings', async () => {
    const models = (await (
      await fetch(`${mock.url}/v1/models`, { headers: { authorization: `Bearer ${KEY}` } })
    ).json()) as { data: { id: string }[] };
    expect(models.data.map((m) => m.id)).toEqual(['gpt-mock', 'claude-mock']);
    const emb = await send(
      openai.buildEmbeddingsRequest!(endpoint('openai'), 'emb', { model: 'e', input: ['a', 'b'], dimensions: 4 }),
      { 'x-mock-behavior': 'promptTokens=6' },
    );
    const parsed = openai.parseEmbeddingsResponse!(await emb.json(), 'e');
    expect((parsed.response['data'] as { embedding: number[] }[]).map((d) => d.embedding.length)).toEqual([4, 4]);
    expect(parsed.usage?.promptTokens).toBe(6);
    const cmp = await send(
      openai.buildCompletionsRequest!(endpoint('openai'), 'instruct', { model: 'i', prompt: 'Say', stream: true }),
    );
    const cp = openai.createCompletionsStreamParser!('i');
    const pieces = [...cp.push(await cmp.text()), ...cp.end()];
    expect(pieces.map((c) => (c['choices'] as { text?: string }[])[0]?.text ?? '').join('')).toBe('w0 w1 w2');
    expect(cp.usage()).toEqual(expectedMockUsage());
    const gemini = getProviderAdapter('gemini');
    const ge = await send(
      gemini.buildEmbeddingsRequest!(endpoint('gemini'), 'text-embedding-004', { model: 'e', input: ['a', 'b', 'c'] }),
    );
    expect((gemini.parseEmbeddingsResponse!(await ge.json(), 'e').response['data'] as unknown[]).length).toBe(3);
  });

  it('enforces Azure api-version, Anthropic version header and JSON bodies', async () => {
    const az = getProviderAdapter('azure-openai').buildChatRequest(endpoint('azure-openai'), 'dep', chatReq(false));
    expect((await send({ ...az, url: az.url.replace(/\?.*$/, '') })).status).toBe(404);
    const an = getProviderAdapter('anthropic').buildChatRequest(endpoint('anthropic'), 'claude', chatReq(false));
    const headers = { ...an.headers };
    delete headers['anthropic-version'];
    expect((await send({ ...an, headers })).status).toBe(400);
    expect((await send({ ...an, body: '{oops' })).status).toBe(400);
    expect((await fetch(`${mock.url}/nope`, { method: 'POST' })).status).toBe(404);
  });
});

describe('mock upstream with the official SDKs', () => {
  it('openai SDK: chat, stream with usage, embeddings, models', async () => {
    const client = new OpenAI({ apiKey: KEY, baseURL: `${mock.url}/v1`, maxRetries: 0 });
    const r = await client.chat.completions.create({ model: 'gpt-mock', messages: [{ role: 'user', content: 'hi' }] });
    expect(r.choices[0]!.message.content).toBe('w0 w1 w2');
    const stream = await client.chat.completions.create({
      model: 'gpt-mock',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let usage: unknown = null;
    for await (const c of stream) {
      text += c.choices[0]?.delta?.content ?? '';
      if (c.usage) usage = c.usage;
    }
    expect(text).toBe('w0 w1 w2');
    expect(usage).toMatchObject({ prompt_tokens: 10, completion_tokens: 3 });
    const e = await client.embeddings.create({ model: 'emb', input: 'x' });
    expect(e.data).toHaveLength(1);
    expect((await client.models.list()).data.map((m) => m.id)).toContain('gpt-mock');
  });

  it('anthropic SDK: messages and message stream', async () => {
    const client = new Anthropic({ apiKey: KEY, baseURL: mock.url, maxRetries: 0 });
    const m = await client.messages.create({
      model: 'claude-mock',
      max_tokens: 50,
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(m.content).toEqual([{ type: 'text', text: 'w0 w1 w2' }]);
    const final = await client.messages
      .stream({ model: 'claude-mock', max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] })
      .finalMessage();
    expect(final.content).toEqual([{ type: 'text', text: 'w0 w1 w2' }]);
    expect(final.usage.output_tokens).toBe(3);
  });
});
