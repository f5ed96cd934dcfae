// The gateway on both storage engines: the offline echo demo provider (and a mock OpenAI upstream)
// through auth, admission, settlement and metering, leaving one usage record and one ledger charge.
import OpenAI from 'openai';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { eachDialect } from '../support/db.js';
import { expectedMockUsage, startMockUpstream, type MockUpstream } from '../mock-upstream/index.js';
import { expectedCost, expectOneCharge } from './billing-check.js';
import { createWorld, mockProvider, type World } from './world.js';

const RATES = { input: '1', output: '2' };

eachDialect('gateway storage', (dialect) => {
  let w: World;
  let mock: MockUpstream;
  let client: OpenAI;
  beforeAll(async () => {
    mock = await startMockUpstream();
    w = await createWorld({
      dialect,
      catalog: {
        providers: [{ id: 'demo', type: 'echo' }, mockProvider(mock, 'openai', 'up', 'sk')],
        models: [
          {
            name: 'echo-1',
            deployments: [{ provider: 'demo', model: 'echo' }],
            pricing: { input_per_mtok: RATES.input, output_per_mtok: RATES.output },
          },
          {
            name: 'gpt-x',
            deployments: [{ provider: 'up', model: 'gpt-x' }],
            pricing: { input_per_mtok: RATES.input, output_per_mtok: RATES.output },
          },
        ],
      },
      wallet: '10',
      multiplier: '0.9',
    });
    client = new OpenAI({ apiKey: w.secret, baseURL: `${w.baseUrl}/v1`, maxRetries: 0 });
  });
  afterAll(async () => {
    await w?.close();
    await mock?.close();
  });

  it('echo: non-stream and stream are answered offline and billed once each', async () => {
    const { data, response } = await client.chat.completions
      .create({ model: 'echo-1', messages: [{ role: 'user', content: 'hello there' }] })
      .withResponse();
    expect(data.choices[0]?.message.content).toBeTruthy();
    const u = data.usage!;
    const usage = {
      promptTokens: u.prompt_tokens,
      completionTokens: u.completion_tokens,
      cachedTokens: 0,
      cacheWriteTokens: 0,
      reasoningTokens: 0,
    };
    await expectOneCharge(w, response.headers.get('x-request-id')!, expectedCost(usage, RATES, '0.9'));

    const { data: s, response: sr } = await client.chat.completions
      .create({ model: 'echo-1', messages: [{ role: 'user', content: 'hello there' }], stream: true })
      .withResponse();
    let text = '';
    for await (const c of s) text += c.choices[0]?.delta?.content ?? '';
    expect(text).toBeTruthy();
    const rec = await expectOneCharge(w, sr.headers.get('x-request-id')!, expectedCost(usage, RATES, '0.9'));
    expect(rec.stream).toBe(1n);
  });

  it('attribution headers and body metadata land on the usage record', async () => {
    const { response } = await client.chat.completions
      .create(
        { model: 'gpt-x', messages: [{ role: 'user', content: 'x' }], user: 'end-user-7', metadata: { ticket: 'T-1' } },
        {
          headers: {
            'X-Tollgate-Agent': 'support-bot',
            'X-Tollgate-Conversation': 'conv-9',
            'X-Tollgate-Conversation-Title': 'Refund',
            'X-Tollgate-Project': 'helpdesk',
          },
        },
      )
      .withResponse();
    const rec = await expectOneCharge(
      w,
      response.headers.get('x-request-id')!,
      expectedCost(expectedMockUsage(), RATES, '0.9'),
    );
    expect(rec).toMatchObject({
      agent: 'support-bot',
      conversation_id: 'conv-9',
      conversation_title: 'Refund',
      project: 'helpdesk',
      key_id: w.keyId,
      user_id: w.userId,
      provider: 'up',
    });
    expect(JSON.parse(rec.metadata!)).toEqual({ ticket: 'T-1', user: 'end-user-7' });
    // Tollgate's own fields never reach the provider.
    expect(JSON.parse(mock.lastRequest()!.body)).not.toHaveProperty('provider');
  });
});
