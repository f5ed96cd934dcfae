// Streams that fail right after their opening event (OpenAI's role chunk, Anthropic's
// message_start) and before any content: nothing has reached the client, so the call falls back to
// the next deployment and is charged once, from the answer that was sent. Answers that are slow or
// empty but fine are not retried. The failing upstream is a scripted SSE server of this file; the
// second deployment is the mock upstream.
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectedMockUsage, mockText, startMockUpstream, type MockUpstream } from '../mock-upstream/index.js';
import { expectedCost, expectOneCharge, usageRecordsOf, type Rates } from './billing-check.js';
import { createWorld, mockProvider, type World } from './world.js';

const RATES: Rates = { input: '1', output: '3' };
const pricing = { input_per_mtok: RATES.input, output_per_mtok: RATES.output };
const FIRST_BYTE_TIMEOUT_MS = 200;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const oa = (delta: object, finish: string | null = null) =>
  `data: ${JSON.stringify({
    id: 'chatcmpl-s',
    object: 'chat.completion.chunk',
    created: 1_700_000_000,
    model: 'scripted',
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
  })}\n\n`;
const ROLE = oa({ role: 'assistant', content: '' });
const an = (type: string, data: object = {}) => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
const MESSAGE_START = an('message_start', {
  message: {
    id: 'msg_s',
    type: 'message',
    role: 'assistant',
    content: [],
    usage: { input_tokens: 7, output_tokens: 1 },
  },
});

/** What the scripted upstream writes, per upstream model name: pieces with a pause between them;
 *  `stall` keeps the body open after the last piece. */
const SCRIPTS: Record<string, { pieces: string[]; pauseMs?: number; stall?: boolean }> = {
  'oa-role-then-error': {
    pieces: [
      ROLE,
      `data: ${JSON.stringify({ error: { message: 'overloaded', type: 'server_error', code: 503 } })}\n\n`,
    ],
  },
  'oa-role-then-end': { pieces: [ROLE] },
  'oa-role-then-silence': { pieces: [ROLE], stall: true },
  'an-start-then-error': {
    pieces: [MESSAGE_START + an('ping'), an('error', { error: { type: 'overloaded_error', message: 'Overloaded' } })],
  },
  'oa-empty': { pieces: [ROLE, oa({}, 'length') + 'data: [DONE]\n\n'] },
  'an-empty': {
    pieces: [
      MESSAGE_START,
      an('message_delta', { delta: { stop_reason: 'max_tokens' }, usage: { output_tokens: 0 } }) + an('message_stop'),
    ],
  },
  // The first content comes well after the first-byte timeout: a slow answer, not a failed one.
  'oa-late-content': {
    pieces: [ROLE, oa({ content: 'late' }), oa({}, 'stop') + 'data: [DONE]\n\n'],
    pauseMs: FIRST_BYTE_TIMEOUT_MS * 2,
  },
};

interface Scripted {
  url: string;
  hits: Map<string, number>;
  close(): Promise<void>;
}

async function startScripted(): Promise<Scripted> {
  const hits = new Map<string, number>();
  const play = async (res: ServerResponse, model: string) => {
    const script = SCRIPTS[model];
    if (!script) {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":{"message":"no script"}}');
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    for (let i = 0; i < script.pieces.length; i++) {
      // Each piece in a read of its own, as over a real network.
      if (i > 0) await sleep(script.pauseMs ?? 30);
      if (res.destroyed) return;
      res.write(script.pieces[i]);
    }
    if (!script.stall) res.end();
  };
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => {
      const model = String((JSON.parse(raw) as { model?: unknown }).model);
      hits.set(model, (hits.get(model) ?? 0) + 1);
      play(res, model).catch(() => res.destroy());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

let scripted: Scripted;
let mock: MockUpstream;
let w: World;

/** A model whose first deployment is a script of the scripted upstream, the second the mock. */
const model = (name: string, script: string, format: 'openai' | 'anthropic', timeoutMs?: number) => ({
  name,
  deployments: [
    {
      provider: format === 'openai' ? 'scripted' : 'scripted-anthropic',
      model: script,
      priority: 1,
      ...(timeoutMs ? { timeout_ms: timeoutMs } : {}),
    },
    { provider: format === 'openai' ? 'up' : 'up-anthropic', model: `${name}-second`, priority: 2 },
  ],
  pricing,
});

beforeAll(async () => {
  scripted = await startScripted();
  mock = await startMockUpstream();
  w = await createWorld({
    catalog: {
      providers: [
        { id: 'scripted', type: 'openai', base_url: `${scripted.url}/v1`, api_key: 'sk-x' },
        { id: 'scripted-anthropic', type: 'anthropic', base_url: `${scripted.url}/v1`, api_key: 'sk-x' },
        mockProvider(mock, 'openai', 'up'),
        mockProvider(mock, 'anthropic', 'up-anthropic'),
      ],
      // One model per case: the deployments' circuit breakers never carry over between cases.
      models: [
        model('oa-error', 'oa-role-then-error', 'openai'),
        model('oa-end', 'oa-role-then-end', 'openai'),
        model('oa-silence', 'oa-role-then-silence', 'openai', 300),
        model('an-error', 'an-start-then-error', 'anthropic'),
        model('an-error-messages', 'an-start-then-error', 'anthropic'),
        model('oa-error-messages', 'oa-role-then-error', 'openai'),
        model('oa-empty', 'oa-empty', 'openai'),
        model('an-empty', 'an-empty', 'anthropic'),
        model('oa-late', 'oa-late-content', 'openai'),
      ],
    },
    env: { UPSTREAM_FIRST_BYTE_TIMEOUT_MS: String(FIRST_BYTE_TIMEOUT_MS) },
    wallet: '100',
  });
});
afterAll(async () => {
  await w?.close();
  await mock?.close();
  await scripted?.close();
});

type Client = 'openai' | 'anthropic';

/** A streamed call as its client sees it (OpenAI: /v1/chat/completions; Anthropic: /v1/messages). */
async function stream(client: Client, name: string) {
  const messages = [{ role: 'user', content: 'hello' }];
  const body =
    client === 'openai'
      ? { model: name, messages, stream: true, stream_options: { include_usage: true } }
      : { model: name, messages, max_tokens: 64, stream: true };
  const res = await request(`${w.baseUrl}${client === 'openai' ? '/v1/chat/completions' : '/v1/messages'}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${w.secret}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await res.body.text();
  return {
    status: res.statusCode,
    provider: res.headers['x-tollgate-provider'],
    requestId: String(res.headers['x-request-id']),
    text,
  };
}

/** The text content a client received, whatever its dialect. */
function contentOf(client: Client, sse: string): string {
  let out = '';
  for (const ev of sse.split('\n\n')) {
    const line = ev.split('\n').find((l) => l.startsWith('data: '));
    if (!line || line === 'data: [DONE]') continue;
    const data = JSON.parse(line.slice(6)) as Record<string, unknown>;
    if (client === 'openai') {
      const choices = (data['choices'] ?? []) as { delta?: { content?: string | null } }[];
      out += choices[0]?.delta?.content ?? '';
    } else if (data['type'] === 'content_block_delta') {
      out += (data['delta'] as { text?: string }).text ?? '';
    }
  }
  return out;
}

/** The stream ended with its success marker. */
const finished = (client: Client, sse: string) =>
  client === 'openai' ? sse.trimEnd().endsWith('data: [DONE]') : sse.includes('event: message_stop');

describe('an upstream that fails after its opening event, before any content', () => {
  it.each([
    { client: 'openai', name: 'oa-error', script: 'oa-role-then-error', second: 'up' },
    { client: 'openai', name: 'oa-end', script: 'oa-role-then-end', second: 'up' },
    { client: 'openai', name: 'oa-silence', script: 'oa-role-then-silence', second: 'up' },
    { client: 'openai', name: 'an-error', script: 'an-start-then-error', second: 'up-anthropic' },
    { client: 'anthropic', name: 'an-error-messages', script: 'an-start-then-error', second: 'up-anthropic' },
    { client: 'anthropic', name: 'oa-error-messages', script: 'oa-role-then-error', second: 'up' },
  ] as const)('$client client, $script: the second deployment answers, one charge', async (c) => {
    mock.reset();
    const before = scripted.hits.get(c.script) ?? 0;
    const r = await stream(c.client, c.name);
    expect(r.status).toBe(200);
    expect(r.provider).toBe(c.second);
    expect(r.text).not.toMatch(/"error"|event: error/);
    expect(finished(c.client, r.text)).toBe(true);
    expect(contentOf(c.client, r.text)).toBe(mockText());
    expect((scripted.hits.get(c.script) ?? 0) - before).toBe(1);
    expect(mock.requests().map((q) => (JSON.parse(q.body) as { model: string }).model)).toEqual([`${c.name}-second`]);
    // Billed once, from the second deployment's reported usage; nothing for the failed attempt.
    const usage = expectedMockUsage({}, c.second === 'up' ? 'openai' : 'anthropic');
    const rec = await expectOneCharge(w, r.requestId, expectedCost(usage, RATES));
    expect(rec.status).toBe('success');
    expect(rec.usage_source).toBe('provider');
  });
});

describe('answers that are slow or empty but fine are not retried', () => {
  it.each([
    ['oa-empty', 'scripted'],
    ['an-empty', 'scripted-anthropic'],
  ])('%s: an answer with a finish reason and no content is served by the first deployment', async (name, first) => {
    mock.reset();
    const r = await stream('openai', name);
    expect(r.status).toBe(200);
    expect(r.provider).toBe(first);
    expect(r.text.trimEnd().endsWith('data: [DONE]')).toBe(true);
    expect(r.text).not.toContain('"error"');
    expect(contentOf('openai', r.text)).toBe('');
    expect(mock.count()).toBe(0);
    const recs = await usageRecordsOf(w, r.requestId);
    expect(recs).toHaveLength(1);
    expect(recs[0]!.status).toBe('success');
  });

  it('content that comes long after the role chunk (past the first-byte timeout) is waited for', async () => {
    mock.reset();
    const r = await stream('openai', 'oa-late');
    expect(r.status).toBe(200);
    expect(r.provider).toBe('scripted');
    expect(contentOf('openai', r.text)).toBe('late');
    expect(r.text.trimEnd().endsWith('data: [DONE]')).toBe(true);
    expect(mock.count()).toBe(0);
    const recs = await usageRecordsOf(w, r.requestId);
    expect(recs).toHaveLength(1);
    expect(recs[0]!.status).toBe('success');
  });
});
