// The gateway's model routes against requests that pass its shape checks but carry hostile
// values (deeply nested JSON, token counts past any price, thousands of parts, NUL characters and
// lone surrogates in what ends up on the usage record), for a configured echo model with a funded
// wallet: the answer is a 2xx or a 4xx with a JSON error, never a 500 or a stack trace, and a 2xx
// call was metered: exactly one usage record and its ledger charge once the pipeline flushed (a
// call answered but then refused by the database is dead-lettered: served and never billed).
// Every call also carries over-long attribution headers. Seed 003 log-usage, the other way usage
// comes in, gets the same hostile text. On SQLite and PostgreSQL (whose text cannot hold NUL).
import { connect } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { BILLING_API_KEY } from '../support/app.js';
import { eachDialect } from '../support/db.js';
import { expectOneCharge, usageRecordsOf } from '../gateway/billing-check.js';
import { createWorld, type World } from '../gateway/world.js';
import { DEEP, OK_OR_REFUSED, problemsOf } from './api-surface.js';

// Stands in for DEEP, which JSON.stringify cannot hold: swapped in after stringifying.
const D = '__deep_json__';
const user = (content: unknown) => [{ role: 'user', content }];
const chat = (extra: Record<string, unknown>) => ({ model: 'echo-1', messages: user('hi'), ...extra });
const msgs = (extra: Record<string, unknown>) => ({ model: 'echo-1', max_tokens: 10, messages: user('hi'), ...extra });

const CASES: [string, string, Record<string, unknown>][] = [
  ['/v1/chat/completions', 'deep provider preferences', chat({ provider: D })],
  ['/v1/chat/completions', 'max_tokens 1e308', chat({ max_tokens: 1e308 })],
  ['/v1/chat/completions', 'max_tokens 2^53+2, streamed', chat({ max_tokens: 2 ** 53 + 2, stream: true })],
  ['/v1/chat/completions', 'max_tokens -1', chat({ max_tokens: -1 })],
  ['/v1/chat/completions', 'max_completion_tokens 0', chat({ max_completion_tokens: 0 })],
  ['/v1/chat/completions', 'temperature 1e308, n 1e9, top_p -1', chat({ temperature: 1e308, n: 1e9, top_p: -1 })],
  ['/v1/chat/completions', '10 000 messages', { model: 'echo-1', messages: Array(10_000).fill(user('x')[0]) }],
  ['/v1/chat/completions', 'a 2 MB message', { model: 'echo-1', messages: user('word '.repeat(400_000)) }],
  [
    '/v1/chat/completions',
    'NUL and a lone surrogate',
    { model: 'echo-1', messages: user('\u0000\ud800'), user: '\u0000' },
  ],
  [
    '/v1/chat/completions',
    '10 000 logit_bias keys',
    chat({ logit_bias: Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [i, 100])) }),
  ],
  ['/v1/messages', 'deep system and metadata', msgs({ system: D, metadata: D })],
  ['/v1/messages', 'max_tokens 1e308', msgs({ max_tokens: 1e308 })],
  ['/v1/messages', 'thinking budget 2^63', msgs({ thinking: { type: 'enabled', budget_tokens: 2 ** 63 } })],
  [
    '/v1/messages',
    'deep tool_use input',
    msgs({ messages: [{ role: 'assistant', content: [{ type: 'tool_use', id: 't', name: 'f', input: D }] }] }),
  ],
  ['/v1/messages', 'deep tool input_schema', msgs({ tools: [{ name: 'f', input_schema: { type: 'object', p: D } }] })],
  ['/v1/embeddings', 'deep input', { model: 'echo-1', input: D }],
  ['/v1/embeddings', '100 000 token ids', { model: 'echo-1', input: Array(100_000).fill(1) }],
  ['/v1/embeddings', 'mixed junk in the input array', { model: 'echo-1', input: [[1, 2], ['x'], null, {}] }],
  ['/v1/embeddings', 'dimensions -1', { model: 'echo-1', input: 'x', dimensions: -1 }],
  ['/v1/completions', 'a model without completions', { model: 'echo-1', prompt: [[1, 2], [D]], max_tokens: 1e308 }],
  [
    '/v1/chat/completions',
    'deep tool parameters',
    chat({ tools: [{ type: 'function', function: { name: 'f', parameters: D } }] }),
  ],
  [
    '/v1/chat/completions',
    'deep response_format schema',
    chat({ response_format: { type: 'json_schema', json_schema: D } }),
  ],
  [
    '/v1/chat/completions',
    'deep stream_options',
    chat({ stream: true, stream_options: { include_usage: true, x: D } }),
  ],
  [
    '/v1/chat/completions',
    'a content part with a deep field',
    { model: 'echo-1', messages: user([{ type: 'text', text: 'hi', x: D }]) },
  ],
  ['/v1/chat/completions', 'deep metadata', chat({ metadata: { k: D } })],
];

// What reaches the usage record as text: `user` and `metadata` (values and keys) in the body.
const NUL = 'a\u0000b';
const SURROGATE = 'a\ud800b';
const TEXT_CASES: [string, string, Record<string, unknown>][] = [
  ['/v1/chat/completions', 'NUL in user', chat({ user: NUL })],
  ['/v1/chat/completions', 'a lone surrogate in user', chat({ user: SURROGATE })],
  ['/v1/chat/completions', 'NUL in a metadata value', chat({ metadata: { k: NUL } })],
  ['/v1/chat/completions', 'NUL in a metadata key', chat({ metadata: { [NUL]: 'v' } })],
  ['/v1/chat/completions', 'a lone surrogate in a metadata key', chat({ metadata: { [SURROGATE]: SURROGATE } })],
  ['/v1/chat/completions', 'NUL in a nested metadata value', chat({ metadata: { k: { j: [NUL] } } })],
  ['/v1/messages', 'NUL in metadata.user_id', msgs({ metadata: { user_id: NUL } })],
  ['/v1/embeddings', 'NUL in user', { model: 'echo-1', input: 'x', user: NUL }],
  ['/v1/chat/completions', 'NUL in model', { model: 'echo-1\u0000', messages: user('hi') }],
];

// The attribution headers (gateway/attribution.ts), each on a call of its own. Node's HTTP parser
// refuses NUL in a header on a real socket (last test); app.inject does not, so the app is tested too.
const ATTRIBUTION = [
  'x-tollgate-agent',
  'x-tollgate-conversation',
  'x-tollgate-conversation-title',
  'x-tollgate-project',
];
const HEADER_CASES: [string, string][] = ATTRIBUTION.flatMap((h): [string, string][] => [
  [h, NUL],
  [h, SURROGATE],
  [h, `\udc00`],
]);

// Seed 003 log-usage: [what, the fields that differ from a good report, the field a 400 must name].
const LOG_CASES: [string, Record<string, unknown>, string][] = [
  ['NUL in request_id', { request_id: `req_${NUL}` }, 'request_id'],
  ['a lone surrogate in request_id', { request_id: `req_${SURROGATE}` }, 'request_id'],
  ['NUL in model', { model: `echo-1\u0000` }, 'model'],
  ['a lone surrogate in model', { model: `echo-1\udc00` }, 'model'],
  ['NUL in user_id', { user_id: NUL }, 'user_id'],
  ['a lone surrogate in user_id', { user_id: SURROGATE }, 'user_id'],
];

eachDialect('gateway hostile values', (dialect) => {
  let w: World;
  beforeAll(async () => {
    w = await createWorld({
      dialect,
      catalog: {
        providers: [{ id: 'demo', type: 'echo' }],
        models: [
          {
            name: 'echo-1',
            kinds: ['chat', 'embeddings'],
            deployments: [{ provider: 'demo', model: 'echo' }],
            pricing: { input_per_mtok: '1', output_per_mtok: '2' },
          },
          // Declared for legacy completions, on a provider that has no such endpoint.
          {
            name: 'echo-legacy',
            kinds: ['completions'],
            deployments: [{ provider: 'demo', model: 'echo' }],
            pricing: { input_per_mtok: '1', output_per_mtok: '2' },
          },
        ],
      },
      wallet: '1000',
    });
  });
  afterAll(async () => w?.close());

  const call = (url: string, body: Record<string, unknown>, headers: Record<string, string> = {}) =>
    w.t.app.inject({
      method: 'POST',
      url,
      headers: { authorization: `Bearer ${w.secret}`, 'content-type': 'application/json', ...headers },
      payload: JSON.stringify(body).replaceAll(`"${D}"`, DEEP),
    });

  /** A 2xx or a 4xx with a JSON error; a 2xx left one usage record and its ledger charge. */
  async function expectMeteredOrRefused(
    url: string,
    res: { statusCode: number; body: string; headers: Record<string, unknown> },
  ) {
    expect(problemsOf(url, res, OK_OR_REFUSED)).toEqual([]);
    if (res.statusCode >= 300) return;
    const id = String(res.headers['x-request-id']);
    const records = await usageRecordsOf(w, id);
    expect(records, `usage records of ${id} (dead-lettered?)`).toHaveLength(1);
    await expectOneCharge(w, id, records[0]!.cost);
  }

  it.each(CASES)('%s: %s', async (url, _what, body) => {
    const res = await call(url, body, {
      'x-tollgate-agent': 'a'.repeat(5_000),
      'x-tollgate-conversation-title': '\u00e9'.repeat(5_000),
    });
    await expectMeteredOrRefused(url, res);
  });

  it.each(TEXT_CASES)('%s: %s is metered or refused', async (url, _what, body) => {
    await expectMeteredOrRefused(url, await call(url, body));
  });

  // Token counting meters nothing: a 200 with a count, or a 4xx in Anthropic's envelope.
  it.each([
    ['deep system and tools', { system: D, tools: [{ name: 'f', input_schema: { type: 'object', p: D } }] }],
    ['10 000 messages', { messages: Array(10_000).fill(user('x')[0]) }],
    ['a 2 MB message', { messages: user('word '.repeat(400_000)) }],
    ['NUL and a lone surrogate', { messages: user('\u0000\ud800') }],
    ['thinking budget 2^63', { thinking: { type: 'enabled', budget_tokens: 2 ** 63 } }],
  ])('/v1/messages/count_tokens: %s', async (_what, extra) => {
    const res = await call('/v1/messages/count_tokens', { model: 'echo-1', messages: user('hi'), ...extra });
    expect(problemsOf('/v1/messages/count_tokens', res, OK_OR_REFUSED)).toEqual([]);
    if (res.statusCode === 200) expect(res.json<{ input_tokens: number }>().input_tokens).toBeGreaterThan(0);
    else expect(res.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
  });

  it.each(HEADER_CASES)('%s: %j is refused with a 400 naming the header', async (header, value) => {
    const res = await call('/v1/chat/completions', chat({}), { [header]: value });
    await expectMeteredOrRefused('/v1/chat/completions', res);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: { param: header } });
  });

  it('legacy completions on a model whose provider has no such endpoint: 400, not an upstream failure', async () => {
    const res = await call('/v1/completions', { model: 'echo-legacy', prompt: 'hi', max_tokens: 5 });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: { code: 'unsupported_endpoint' } });
  });

  it('an unknown /v1 route is a 404 in the envelope its SDKs parse; seed 001 and admin paths keep theirs', async () => {
    const at = (method: 'GET' | 'POST', url: string) =>
      w.t.app.inject({
        method,
        url,
        headers: { authorization: `Bearer ${w.secret}` },
        payload: method === 'POST' ? {} : undefined,
      });
    const openai = await at('POST', '/v1/responses');
    expect(openai.statusCode).toBe(404);
    expect(openai.json()).toMatchObject({
      error: { type: 'invalid_request_error', message: expect.stringContaining('/v1/responses') },
    });
    const anthropic = await at('POST', '/v1/messages/batches');
    expect(anthropic.statusCode).toBe(404);
    expect(anthropic.json()).toMatchObject({ type: 'error', error: { type: 'not_found_error' } });
    const long = await at('GET', `/v1/${'x'.repeat(5_000)}`);
    expect(long.statusCode).toBe(404);
    expect(long.body.length, 'the 5,000-character path is not echoed whole').toBeLessThan(600);
    for (const url of ['/v1/auth/nope', '/v1/billing/nope', '/api/v1/nope']) {
      const admin = await at('GET', url);
      expect(admin.statusCode, url).toBe(404);
      expect(admin.json(), url).toMatchObject({ error: { code: 'not_found' } });
    }
  });

  it('router refusals and unknown ids under /v1 answer in the OpenAI envelope, without echoing a long id', async () => {
    for (const url of ['/v1/models/%E0%A4%A', `/v1/models/${'m'.repeat(5_000)}`]) {
      const res = await w.t.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${w.secret}` } });
      expect(res.statusCode, url.slice(0, 40)).toBeGreaterThanOrEqual(400);
      expect(res.statusCode, url.slice(0, 40)).toBeLessThan(500);
      expect(res.json(), url.slice(0, 40)).toMatchObject({ error: { type: 'invalid_request_error' } });
      expect(res.body.length, 'the 5,000-character id is not echoed whole').toBeLessThan(600);
    }
  });

  it('a NUL in a header over a real socket is refused by the HTTP parser, before the app', async () => {
    const url = new URL(w.baseUrl);
    const reply = await new Promise<string>((resolve, reject) => {
      let out = '';
      const s = connect(Number(url.port), url.hostname, () =>
        s.write(
          `POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nX-Tollgate-Agent: a\u0000b\r\nConnection: close\r\n\r\n`,
        ),
      );
      s.on('data', (d) => (out += String(d)));
      s.on('end', () => resolve(out));
      s.on('error', reject);
    });
    expect(reply).toMatch(/^HTTP\/1\.1 400 /);
  });

  it.each(LOG_CASES)(
    'seed 003 log-usage: %s is a 400 naming the field, nothing recorded',
    async (_what, fields, field) => {
      const body = {
        user_id: w.userId,
        model: 'echo-1',
        request_id: `req_log_${field}`,
        tokens_input: 10,
        tokens_output: 5,
        ...fields,
      };
      const res = await w.t.app.inject({
        method: 'POST',
        url: '/api/log-usage',
        headers: { 'x-api-key': BILLING_API_KEY, 'content-type': 'application/json' },
        payload: JSON.stringify(body),
      });
      expect(problemsOf('/api/log-usage', res, [400])).toEqual([]);
      expect(res.json()).toMatchObject({ error: { field } });
      const rows = await w.t.db.kysely
        .selectFrom('usage_records')
        .select('id')
        .where('user_id', '=', w.userId)
        .where('source', '=', 'http')
        .execute();
      expect(rows).toEqual([]);
    },
  );

  it.each([
    ['/v1/chat/completions', chat({ metadata: { k: D } })],
    ['/v1/chat/completions', chat({ tools: [{ type: 'function', function: { name: 'f', parameters: D } }] })],
    ['/v1/messages', msgs({ metadata: D })],
    ['/v1/embeddings', { model: 'echo-1', input: D }],
  ])('%s: a body nested deeper than 64 levels is a 400 naming the body, before any work', async (url, body) => {
    const res = await call(url, body);
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('nested deeper than 64 levels');
  });

  it.each([1e308, 2 ** 53 + 2, 2 ** 31])('max_tokens %d is a 400 naming max_tokens', async (max) => {
    const res = await call('/v1/chat/completions', chat({ max_tokens: max }));
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: { param: 'max_tokens' } });
    const messages = await call('/v1/messages', msgs({ max_tokens: max }));
    expect(messages.statusCode).toBe(400);
    expect(messages.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
    expect(messages.json().error.message).toContain('max_tokens');
  });
});
