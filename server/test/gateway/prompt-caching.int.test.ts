// Prompt caching end to end: the official Anthropic SDK (Claude Code's request shape, with
// cache_control breakpoints) through /v1/messages, and the openai SDK with the LiteLLM/OpenRouter
// convention, to an Anthropic deployment on the mock upstream: the breakpoints reach the provider,
// the cache reads and writes it reports come back to the client, and the charge prices them at the
// catalog's cached-input and cache-write rates, exactly. An OpenAI deployment never sees them.
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { costOf, parseMoney, PPM } from '../../src/shared/money.js';
import { startMockUpstream, type MockUpstream } from '../mock-upstream/index.js';
import { expectOneCharge } from './billing-check.js';
import { createWorld, mockProvider, type World } from './world.js';

let mock: MockUpstream;
let w: World;
let claude: Anthropic;
let openai: OpenAI;

const pricing = {
  input_per_mtok: '3',
  output_per_mtok: '15',
  cached_input_per_mtok: '0.3',
  cache_write_per_mtok: '3.75',
};
const EPHEMERAL = { type: 'ephemeral' as const };

beforeAll(async () => {
  mock = await startMockUpstream();
  w = await createWorld({
    catalog: {
      providers: [mockProvider(mock, 'anthropic', 'claude'), mockProvider(mock, 'openai', 'oai')],
      models: [
        { name: 'sonnet', deployments: [{ provider: 'claude', model: 'claude-sonnet-4-5' }], pricing },
        { name: 'gpt', deployments: [{ provider: 'oai', model: 'gpt-4o' }], pricing },
      ],
    },
    wallet: '10',
  });
  claude = new Anthropic({ apiKey: w.secret, baseURL: w.baseUrl, maxRetries: 0 });
  openai = new OpenAI({ apiKey: w.secret, baseURL: `${w.baseUrl}/v1`, maxRetries: 0 });
});
afterAll(async () => {
  await w?.close();
  await mock?.close();
});

const request = {
  max_tokens: 50,
  system: [
    { type: 'text' as const, text: 'You are a coding agent.' },
    { type: 'text' as const, text: 'The whole project guide…', cache_control: EPHEMERAL },
  ],
  tools: [{ name: 'read', input_schema: { type: 'object' as const }, cache_control: EPHEMERAL }],
  messages: [
    { role: 'user' as const, content: [{ type: 'text' as const, text: 'Fix it.', cache_control: EPHEMERAL }] },
  ],
};

/** The cost of a call with cache reads and writes at the catalog's rates (pricing above). */
function cachedCallCost(u: { prompt: number; cached: number; written: number; completion: number }): bigint {
  return costOf(
    [
      { tokens: BigInt(u.prompt - u.cached - u.written), pricePerMTok: parseMoney(pricing.input_per_mtok) },
      { tokens: BigInt(u.cached), pricePerMTok: parseMoney(pricing.cached_input_per_mtok) },
      { tokens: BigInt(u.written), pricePerMTok: parseMoney(pricing.cache_write_per_mtok) },
      { tokens: BigInt(u.completion), pricePerMTok: parseMoney(pricing.output_per_mtok) },
    ],
    PPM,
  );
}

type Sent = { system: unknown; tools: { cache_control?: unknown }[]; messages: { content: unknown }[] };
const sentBody = () => JSON.parse(mock.lastRequest()!.body) as Sent;

describe('prompt caching through the gateway', () => {
  it.each([false, true])(
    '/v1/messages (stream %s): breakpoints reach Anthropic; cache usage is returned and priced',
    async (stream) => {
      mock.reset();
      mock.enqueue({ promptTokens: 20_000, cachedTokens: 15_000, cacheWriteTokens: 4_000, completionTokens: 7 });
      const { data, response } = stream
        ? await claude.messages.stream({ model: 'sonnet', ...request }).withResponse()
        : await claude.messages.create({ model: 'sonnet', ...request }).withResponse();
      const message = stream ? await (data as ReturnType<Anthropic['messages']['stream']>).finalMessage() : data;
      expect((message as Anthropic.Message).usage).toMatchObject({
        input_tokens: 1_000,
        cache_read_input_tokens: 15_000,
        cache_creation_input_tokens: 4_000,
        output_tokens: 7,
      });

      const sent = sentBody();
      expect(sent.system).toEqual([
        { type: 'text', text: 'You are a coding agent.' },
        { type: 'text', text: 'The whole project guide…', cache_control: EPHEMERAL },
      ]);
      expect(sent.tools[0]!.cache_control).toEqual(EPHEMERAL);
      expect(sent.messages[0]!.content).toEqual([{ type: 'text', text: 'Fix it.', cache_control: EPHEMERAL }]);

      await expectOneCharge(
        w,
        response.headers.get('x-request-id')!,
        cachedCallCost({ prompt: 20_000, cached: 15_000, written: 4_000, completion: 7 }),
      );
    },
  );

  it('an OpenAI-format client with cache_control parts (LiteLLM / OpenRouter convention)', async () => {
    mock.reset();
    mock.enqueue({ promptTokens: 3_000, cachedTokens: 2_500, completionTokens: 3 });
    const { data, response } = await openai.chat.completions
      .create({
        model: 'sonnet',
        messages: [
          {
            role: 'system',
            content: [{ type: 'text', text: 'Long instructions.', cache_control: EPHEMERAL } as never],
          },
          { role: 'user', content: 'Question?' },
        ],
      })
      .withResponse();
    expect(data.usage?.prompt_tokens_details?.cached_tokens).toBe(2_500);
    expect(sentBody().system).toEqual([{ type: 'text', text: 'Long instructions.', cache_control: EPHEMERAL }]);
    await expectOneCharge(
      w,
      response.headers.get('x-request-id')!,
      cachedCallCost({ prompt: 3_000, cached: 2_500, written: 0, completion: 3 }),
    );
  });

  it('an OpenAI deployment behind /v1/messages never sees cache_control', async () => {
    mock.reset();
    await claude.messages.create({ model: 'gpt', ...request });
    const body = mock.lastRequest()!.body;
    expect(mock.lastRequest()!.path).toBe('/v1/chat/completions');
    expect(body).not.toContain('cache_control');
    expect(JSON.parse(body)).toMatchObject({
      messages: [
        { role: 'system', content: 'You are a coding agent.\nThe whole project guide…' },
        { role: 'user', content: [{ type: 'text', text: 'Fix it.' }] },
      ],
    });
  });
});
