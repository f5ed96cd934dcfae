// The "Done when" suite: the official openai and @anthropic-ai/sdk clients pointed at Tollgate, for
// every adapter (openai, azure-openai, anthropic, gemini upstreams served by the mock upstream), on
// SQLite and on PostgreSQL.
// Each call must leave exactly one usage record and one ledger charge whose cost is tokens ×
// catalog price × tenant multiplier, exactly.
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatMoney } from '../../src/shared/money.js';
import {
  expectedMockUsage,
  MOCK_TOOL_CALL,
  mockText,
  startMockUpstream,
  type MockUpstream,
} from '../mock-upstream/index.js';
import { expectedCost, expectOneCharge, usageRecordsOf, type Rates } from './billing-check.js';
import { ADMIN_SECRET_KEY } from '../support/app.js';
import { eachDialect } from '../support/db.js';
import { createWorld, mockProvider, type World } from './world.js';

const RATES: Rates = { input: '0.15', output: '0.60' };
const MULTIPLIER = '1.25';
const pricing = { input_per_mtok: RATES.input, output_per_mtok: RATES.output };
const ADAPTERS = [
  { model: 'gpt-mock', provider: 'openai-mock', embeddings: true },
  { model: 'azure-mock', provider: 'azure-mock', embeddings: true },
  { model: 'claude-mock', provider: 'anthropic-mock', embeddings: false },
  { model: 'gemini-mock', provider: 'gemini-mock', embeddings: true },
] as const;
/** A public model name with a '/' (OpenRouter style), served by the OpenAI-compatible mock. */
const SLASH_MODEL = 'vendor/gpt-slash';

const usage = expectedMockUsage();
const cost = expectedCost(usage, RATES, MULTIPLIER);
const messages = [{ role: 'user' as const, content: 'Say something' }];

eachDialect('SDK suite', (dialect) => {
  let mock: MockUpstream;
  let w: World;
  let openai: OpenAI;
  let anthropic: Anthropic;

  beforeAll(async () => {
    mock = await startMockUpstream({ apiKey: 'sk-mock' });
    w = await createWorld({
      catalog: {
        providers: [
          mockProvider(mock, 'openai', 'openai-mock', 'sk-mock'),
          { id: 'azure-mock', type: 'azure-openai', base_url: mock.url, api_key: 'sk-mock', api_version: '2024-10-21' },
          mockProvider(mock, 'anthropic', 'anthropic-mock', 'sk-mock'),
          mockProvider(mock, 'gemini', 'gemini-mock', 'sk-mock'),
        ],
        models: [
          ...ADAPTERS.map((a) => ({
            name: a.model,
            kinds:
              a.provider === 'openai-mock'
                ? ['chat', 'embeddings', 'completions']
                : a.embeddings
                  ? ['chat', 'embeddings']
                  : ['chat'],
            deployments: [{ provider: a.provider, model: `${a.model}-upstream` }],
            pricing,
          })),
          { name: SLASH_MODEL, deployments: [{ provider: 'openai-mock', model: 'slash-upstream' }], pricing },
        ],
      },
      dialect,
      wallet: '100',
      multiplier: MULTIPLIER,
    });
    openai = new OpenAI({ apiKey: w.secret, baseURL: `${w.baseUrl}/v1`, maxRetries: 0 });
    anthropic = new Anthropic({ apiKey: w.secret, baseURL: w.baseUrl, maxRetries: 0 });
  });
  afterAll(async () => {
    await w?.close();
    await mock?.close();
  });

  describe.each(ADAPTERS)('$provider upstream', (a) => {
    it('openai SDK: chat non-stream', async () => {
      const { data, response } = await openai.chat.completions.create({ model: a.model, messages }).withResponse();
      expect(data.choices[0]?.message.content).toBe(mockText());
      expect(data.usage).toMatchObject({
        prompt_tokens: usage.promptTokens,
        completion_tokens: usage.completionTokens,
      });
      expect(response.headers.get('x-tollgate-cost')).toBe(formatMoney(cost));
      expect(response.headers.get('x-tollgate-provider')).toBe(a.provider);
      const rec = await expectOneCharge(w, response.headers.get('x-request-id')!, cost);
      expect(rec.usage_source).toBe('provider');
      expect(rec.status).toBe('success');
    });

    it('openai SDK: chat stream with include_usage carries the cost', async () => {
      const { data: stream, response } = await openai.chat.completions
        .create({ model: a.model, messages, stream: true, stream_options: { include_usage: true } })
        .withResponse();
      let text = '';
      let last: Record<string, unknown> | null = null;
      for await (const c of stream) {
        text += c.choices[0]?.delta?.content ?? '';
        last = c as unknown as Record<string, unknown>;
      }
      expect(text).toBe(mockText());
      expect(last?.['usage']).toMatchObject({
        prompt_tokens: usage.promptTokens,
        completion_tokens: usage.completionTokens,
      });
      expect(last?.['tollgate']).toEqual({ cost: formatMoney(cost) });
      const rec = await expectOneCharge(w, response.headers.get('x-request-id')!, cost);
      expect(rec.stream).toBe(1n);
      expect(rec.ttft_ms).not.toBeNull();
      expect(rec.latency_ms).toBeGreaterThanOrEqual(rec.ttft_ms!);
    });

    it('openai SDK: stream without include_usage gets no usage chunk', async () => {
      const { data: stream, response } = await openai.chat.completions
        .create({ model: a.model, messages, stream: true })
        .withResponse();
      const chunks = [];
      for await (const c of stream) chunks.push(c);
      expect(chunks.every((c) => !c.usage)).toBe(true);
      await expectOneCharge(w, response.headers.get('x-request-id')!, cost);
    });

    it('openai SDK: tools', async () => {
      mock.enqueue({ toolCall: true });
      const { data, response } = await openai.chat.completions
        .create({
          model: a.model,
          messages: [{ role: 'user', content: 'Weather in Paris?' }],
          tools: [
            {
              type: 'function',
              function: {
                name: 'get_weather',
                parameters: { type: 'object', properties: { city: { type: 'string' } } },
              },
            },
          ],
        })
        .withResponse();
      const call = data.choices[0]?.message.tool_calls?.[0];
      expect(call?.type === 'function' && call.function.name).toBe(MOCK_TOOL_CALL.name);
      expect(call?.type === 'function' && JSON.parse(call.function.arguments)).toEqual(
        JSON.parse(MOCK_TOOL_CALL.arguments),
      );
      await expectOneCharge(w, response.headers.get('x-request-id')!, cost);
    });

    it('anthropic SDK: messages non-stream', async () => {
      const { data, response } = await anthropic.messages
        .create({ model: a.model, max_tokens: 100, messages })
        .withResponse();
      expect(data.type).toBe('message');
      expect(data.content[0]).toMatchObject({ type: 'text', text: mockText() });
      expect(data.usage.output_tokens).toBe(usage.completionTokens);
      expect(data.usage.input_tokens).toBe(usage.promptTokens);
      expect(response.headers.get('x-tollgate-cost')).toBe(formatMoney(cost));
      await expectOneCharge(w, response.headers.get('x-request-id')!, cost);
    });

    it('anthropic SDK: tools, system prompt and a tool result round trip', async () => {
      mock.reset();
      mock.enqueue({ toolCall: true });
      const tools = [
        {
          name: 'get_weather',
          description: 'Current weather',
          input_schema: { type: 'object' as const, properties: { city: { type: 'string' } } },
        },
      ];
      const { data, response } = await anthropic.messages
        .create({
          model: a.model,
          max_tokens: 100,
          system: 'Answer briefly.',
          tools,
          messages: [{ role: 'user', content: 'Weather in Paris?' }],
        })
        .withResponse();
      expect(data.stop_reason).toBe('tool_use');
      const use = data.content.find((b) => b.type === 'tool_use');
      expect(use).toMatchObject({
        type: 'tool_use',
        name: MOCK_TOOL_CALL.name,
        input: JSON.parse(MOCK_TOOL_CALL.arguments),
      });
      await expectOneCharge(w, response.headers.get('x-request-id')!, cost);

      const followUp = await anthropic.messages.create({
        model: a.model,
        max_tokens: 100,
        tools,
        messages: [
          { role: 'user', content: 'Weather in Paris?' },
          { role: 'assistant', content: data.content },
          {
            role: 'user',
            content: [{ type: 'tool_result', tool_use_id: use!.type === 'tool_use' ? use!.id : '', content: 'sunny' }],
          },
        ],
      });
      expect(followUp.content[0]).toMatchObject({ type: 'text', text: mockText() });
      // The upstream received the system prompt and the tool result in its own wire format.
      const sent = mock.requests().map((r) => r.body);
      expect(sent[0]).toContain('Answer briefly.');
      expect(sent[1]).toContain('sunny');
    });

    it('anthropic SDK: messages stream', async () => {
      const stream = anthropic.messages.stream({ model: a.model, max_tokens: 100, messages });
      let text = '';
      stream.on('text', (t) => (text += t));
      const final = await stream.finalMessage();
      expect(text).toBe(mockText());
      expect(final.usage.output_tokens).toBe(usage.completionTokens);
      expect(final.stop_reason).toBe('end_turn');
      const { response } = await stream.withResponse();
      await expectOneCharge(w, response.headers.get('x-request-id')!, cost);
    });

    it('anthropic SDK: the stop sequence that ended the answer, stream and non-stream', async () => {
      mock.reset();
      mock.enqueue({ stopSequence: '###' }, { stopSequence: '###' });
      const request = { model: a.model, max_tokens: 100, messages, stop_sequences: ['###', 'END'] };
      const whole = await anthropic.messages.create(request);
      const streamed = await anthropic.messages.stream(request).finalMessage();
      // Only Anthropic says which sequence matched; OpenAI and Gemini report a plain stop.
      const expected =
        a.provider === 'anthropic-mock'
          ? { stop_reason: 'stop_sequence', stop_sequence: '###' }
          : { stop_reason: 'end_turn', stop_sequence: null };
      expect(whole).toMatchObject(expected);
      expect(streamed).toMatchObject(expected);
      // The sequences reached the upstream in its own wire format.
      const sent = JSON.parse(mock.requests()[0]!.body) as Record<string, unknown>;
      const field =
        a.provider === 'anthropic-mock'
          ? sent['stop_sequences']
          : a.provider === 'gemini-mock'
            ? (sent['generationConfig'] as Record<string, unknown>)['stopSequences']
            : sent['stop'];
      expect(field).toEqual(['###', 'END']);
    });
  });

  describe.each(ADAPTERS.filter((a) => a.embeddings))('$provider upstream', (a) => {
    it('openai SDK: embeddings', async () => {
      const { data, response } = await openai.embeddings
        .create({ model: a.model, input: ['one', 'two'] })
        .withResponse();
      expect(data.data).toHaveLength(2);
      const requestId = response.headers.get('x-request-id')!;
      const [rec] = await usageRecordsOf(w, requestId);
      // Gemini's batchEmbedContents reports no usage: the tokenizer counts the input instead.
      const source = a.provider === 'gemini-mock' ? 'estimated' : 'provider';
      expect(rec?.usage_source).toBe(source);
      if (source === 'provider') expect(rec?.prompt_tokens).toBe(BigInt(usage.promptTokens));
      else expect(rec?.prompt_tokens).toBeGreaterThan(0n);
      expect(rec?.completion_tokens).toBe(0n);
      // The body's usage is what was charged, estimated or not.
      expect(data.usage).toEqual({
        prompt_tokens: Number(rec!.prompt_tokens),
        total_tokens: Number(rec!.prompt_tokens),
      });
      const c = expectedCost(
        { ...usage, promptTokens: Number(rec!.prompt_tokens), completionTokens: 0 },
        RATES,
        MULTIPLIER,
      );
      expect(response.headers.get('x-tollgate-cost')).toBe(formatMoney(c));
      await expectOneCharge(w, requestId, c);
    });
  });

  describe('legacy completions and metrics', () => {
    it('openai SDK: completions on an OpenAI-compatible upstream', async () => {
      const { data, response } = await openai.completions
        .create({ model: 'gpt-mock', prompt: 'Once upon a time', max_tokens: 10 })
        .withResponse();
      expect(data.choices[0]?.text).toBeTruthy();
      expect(response.headers.get('x-tollgate-cost')).toBe(formatMoney(cost));
      await expectOneCharge(w, response.headers.get('x-request-id')!, cost);
    });

    it('openai SDK: streamed completions, with and without the usage chunk', async () => {
      const { data: stream, response } = await openai.completions
        .create({
          model: 'gpt-mock',
          prompt: 'Once upon a time',
          max_tokens: 10,
          stream: true,
          stream_options: { include_usage: true },
        })
        .withResponse();
      let text = '';
      let last: Record<string, unknown> | null = null;
      for await (const c of stream) {
        text += c.choices[0]?.text ?? '';
        last = c as unknown as Record<string, unknown>;
      }
      expect(text).toBe(mockText());
      expect(last).toMatchObject({
        object: 'text_completion',
        model: 'gpt-mock',
        usage: { prompt_tokens: usage.promptTokens, completion_tokens: usage.completionTokens },
        tollgate: { cost: formatMoney(cost) },
      });
      const rec = await expectOneCharge(w, response.headers.get('x-request-id')!, cost);
      expect(rec.stream).toBe(1n);
      expect(rec.usage_source).toBe('provider');

      const { data: quiet, response: r2 } = await openai.completions
        .create({ model: 'gpt-mock', prompt: 'Once upon a time', max_tokens: 10, stream: true })
        .withResponse();
      const chunks = [];
      for await (const c of quiet) chunks.push(c);
      expect(chunks.map((c) => c.choices[0]?.text ?? '').join('')).toBe(mockText());
      expect(chunks.every((c) => !c.usage)).toBe(true);
      await expectOneCharge(w, r2.headers.get('x-request-id')!, cost);
    });

    it('a model without completions is refused before the provider', async () => {
      mock.reset();
      await expect(openai.completions.create({ model: 'claude-mock', prompt: 'x' })).rejects.toMatchObject({
        status: 400,
      });
      expect(mock.count()).toBe(0);
    });

    it('GET /metrics is for operators and counts gateway traffic', async () => {
      expect((await w.t.app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(401);
      const res = await w.t.app.inject({
        method: 'GET',
        url: '/metrics',
        headers: { 'x-admin-key': ADMIN_SECRET_KEY },
      });
      expect(res.statusCode).toBe(200);
      expect(res.body).toMatch(/tollgate_gateway_requests_total\{endpoint="chat",status="200"\} \d+/);
      expect(res.body).toContain('tollgate_gateway_overhead_seconds_bucket');
    });
  });

  describe('models list', () => {
    it('lists the models this key may use', async () => {
      const all = await openai.models.list();
      expect(all.data.map((m) => m.id).sort()).toEqual([...ADAPTERS.map((a) => a.model), SLASH_MODEL].sort());
      const k = await w.makeKey({ name: 'narrow', allowed_models: ['claude-mock'] });
      const narrow = new OpenAI({ apiKey: k.secret, baseURL: `${w.baseUrl}/v1`, maxRetries: 0 });
      expect((await narrow.models.list()).data.map((m) => m.id)).toEqual(['claude-mock']);
      await expect(narrow.models.retrieve('gpt-mock')).rejects.toMatchObject({ status: 404 });
    });

    it('retrieves one model, names with a slash included (encoded or not)', async () => {
      expect(await openai.models.retrieve('gemini-mock')).toMatchObject({ id: 'gemini-mock', object: 'model' });
      // The SDK percent-encodes the slash; curl users send it raw.
      expect((await openai.models.retrieve(SLASH_MODEL)).id).toBe(SLASH_MODEL);
      const raw = await w.t.app.inject({
        method: 'GET',
        url: `/v1/models/${SLASH_MODEL}`,
        headers: { authorization: `Bearer ${w.secret}` },
      });
      expect(raw.statusCode).toBe(200);
      expect(raw.json()).toMatchObject({ id: SLASH_MODEL });
      await expect(openai.models.retrieve('vendor/nope')).rejects.toMatchObject({ status: 404 });
      const { data } = await openai.chat.completions.create({ model: SLASH_MODEL, messages }).withResponse();
      expect(data.model).toBe(SLASH_MODEL);
    });
  });
});
