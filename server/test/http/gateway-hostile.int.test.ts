// The gateway's model routes against requests that pass its shape checks but carry hostile
// values (deeply nested JSON, token counts past any price, thousands of parts), for a configured
// echo model with a funded wallet: the answer is a 2xx or a 4xx with a JSON error, never a 500 or
// a stack trace, and a 2xx call leaves exactly one usage record (it was metered). Every call also
// carries over-long attribution headers.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createWorld, type World } from '../gateway/world.js';
import { DEEP, OK_OR_REFUSED, problemsOf } from './api-surface.js';

let w: World;
beforeAll(async () => {
  w = await createWorld({
    catalog: {
      providers: [{ id: 'demo', type: 'echo' }],
      models: [
        {
          name: 'echo-1',
          kinds: ['chat', 'embeddings'],
          deployments: [{ provider: 'demo', model: 'echo' }],
          pricing: { input_per_mtok: '1', output_per_mtok: '2' },
        },
      ],
    },
    wallet: '1000',
  });
});
afterAll(async () => w?.close());

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

it.each(CASES)('%s: %s', async (url, _what, body) => {
  const res = await w.t.app.inject({
    method: 'POST',
    url,
    headers: {
      authorization: `Bearer ${w.secret}`,
      'content-type': 'application/json',
      'x-tollgate-agent': 'a'.repeat(5_000),
      'x-tollgate-conversation-title': '\u00e9'.repeat(5_000),
    },
    payload: JSON.stringify(body).replaceAll(`"${D}"`, DEEP),
  });
  expect(problemsOf(url, res, OK_OR_REFUSED)).toEqual([]);
  if (res.statusCode < 300) {
    await w.t.metering.pipeline.flush();
    const id = String(res.headers['x-request-id']);
    const records = await w.t.db.kysely.selectFrom('usage_records').select('id').where('request_id', '=', id).execute();
    expect(records, `usage records of ${id}`).toHaveLength(1);
  }
});

it.each([
  ['/v1/chat/completions', chat({ metadata: { k: D } })],
  ['/v1/chat/completions', chat({ tools: [{ type: 'function', function: { name: 'f', parameters: D } }] })],
  ['/v1/messages', msgs({ metadata: D })],
  ['/v1/embeddings', { model: 'echo-1', input: D }],
])('%s: a body nested deeper than 64 levels is a 400 naming the body, before any work', async (url, body) => {
  const res = await w.t.app.inject({
    method: 'POST',
    url,
    headers: { authorization: `Bearer ${w.secret}`, 'content-type': 'application/json' },
    payload: JSON.stringify(body).replaceAll(`"${D}"`, DEEP),
  });
  expect(res.statusCode).toBe(400);
  expect(res.body).toContain('nested deeper than 64 levels');
});

it.each([1e308, 2 ** 53 + 2, 2 ** 31])('max_tokens %d is a 400 naming max_tokens', async (max) => {
  const res = await w.t.app.inject({
    method: 'POST',
    url: '/v1/chat/completions',
    headers: { authorization: `Bearer ${w.secret}`, 'content-type': 'application/json' },
    payload: JSON.stringify(chat({ max_tokens: max })),
  });
  expect(res.statusCode).toBe(400);
  expect(res.json()).toMatchObject({ error: { param: 'max_tokens' } });
});
