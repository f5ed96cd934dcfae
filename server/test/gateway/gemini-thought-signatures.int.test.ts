// Gemini 3 multi-turn tool calling through the OpenAI surface, against the mock upstream, which
// signs its function calls and refuses (400) a step whose first function call comes back unsigned,
// as Gemini 3 does. The client gets the signature as `extra_content.google.thought_signature` (the
// shape of Google's own OpenAI-compatible endpoint) and sends it back on the tool call; a client
// that dropped it still gets an answer (Tollgate sends Google's documented dummy signature).
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SKIP_THOUGHT_SIGNATURE } from '../../src/providers/gemini/thought-signature.js';
import {
  MOCK_THOUGHT_SIGNATURE,
  MOCK_TOOL_CALL,
  mockText,
  startMockUpstream,
  type MockUpstream,
} from '../mock-upstream/index.js';
import { createWorld, mockProvider, type World } from './world.js';

let mock: MockUpstream;
let w: World;
let openai: OpenAI;

beforeAll(async () => {
  mock = await startMockUpstream();
  w = await createWorld({
    catalog: {
      providers: [mockProvider(mock, 'gemini', 'google', 'k')],
      models: [
        {
          name: 'gemini-3-pro',
          deployments: [{ provider: 'google', model: 'gemini-3-pro-preview' }],
          pricing: { input_per_mtok: '2', output_per_mtok: '12' },
        },
      ],
    },
    wallet: '10',
  });
  openai = new OpenAI({ apiKey: w.secret, baseURL: `${w.baseUrl}/v1`, maxRetries: 0 });
});
afterAll(async () => {
  await w?.close();
  await mock?.close();
});

const tools = [
  {
    type: 'function' as const,
    function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } },
  },
];
const question = { role: 'user' as const, content: 'Weather in Paris?' };

type SignedCall = OpenAI.Chat.Completions.ChatCompletionMessageFunctionToolCall & {
  extra_content?: { google?: { thought_signature?: string } };
};

/** The functionCall parts of the model turns the upstream received in its last request. */
function sentCalls(): { functionCall: { name: string }; thoughtSignature?: string }[] {
  const body = JSON.parse(mock.lastRequest()!.body) as {
    contents: { role: string; parts: { functionCall?: { name: string }; thoughtSignature?: string }[] }[];
  };
  return body.contents.filter((c) => c.role === 'model').flatMap((c) => c.parts.filter((p) => p.functionCall)) as {
    functionCall: { name: string };
    thoughtSignature?: string;
  }[];
}

describe('Gemini 3 thought signatures through /v1/chat/completions', () => {
  it.each([false, true])('stream %s: the signed call goes to the client and back to Gemini', async (stream) => {
    mock.reset();
    mock.enqueue({ toolCall: true });
    let call: SignedCall | undefined;
    if (stream) {
      const s = await openai.chat.completions.create({
        model: 'gemini-3-pro',
        messages: [question],
        tools,
        stream: true,
      });
      for await (const chunk of s) {
        const tc = chunk.choices[0]?.delta.tool_calls?.[0] as SignedCall | undefined;
        if (tc?.id) call = tc;
      }
    } else {
      const r = await openai.chat.completions.create({ model: 'gemini-3-pro', messages: [question], tools });
      call = r.choices[0]?.message.tool_calls?.[0] as SignedCall | undefined;
    }
    expect(call?.function?.name).toBe(MOCK_TOOL_CALL.name);
    expect(call?.extra_content?.google?.thought_signature).toBe(MOCK_THOUGHT_SIGNATURE);

    const followUp = await openai.chat.completions.create({
      model: 'gemini-3-pro',
      tools,
      messages: [
        question,
        { role: 'assistant', content: null, tool_calls: [call!] },
        { role: 'tool', tool_call_id: call!.id, content: 'sunny, 21 °C' },
      ],
    });
    expect(followUp.choices[0]?.message.content).toBe(mockText());
    expect(sentCalls()).toEqual([expect.objectContaining({ thoughtSignature: MOCK_THOUGHT_SIGNATURE })]);
  });

  it('a client that dropped the signature still gets its answer (the documented dummy signature)', async () => {
    mock.reset();
    const followUp = await openai.chat.completions.create({
      model: 'gemini-3-pro',
      tools,
      messages: [
        question,
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
          ],
        },
        { role: 'tool', tool_call_id: 'call_1', content: 'sunny' },
      ],
    });
    expect(followUp.choices[0]?.message.content).toBe(mockText());
    expect(sentCalls()).toEqual([expect.objectContaining({ thoughtSignature: SKIP_THOUGHT_SIGNATURE })]);
  });

  it('the mock refuses an unsigned call as Gemini 3 does (so the tests above can fail)', async () => {
    const res = await fetch(`${mock.url}/v1beta/models/gemini-3-pro-preview:generateContent`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        contents: [
          { role: 'user', parts: [{ text: 'Weather in Paris?' }] },
          { role: 'model', parts: [{ functionCall: { name: 'get_weather', args: {} } }] },
          { role: 'user', parts: [{ functionResponse: { name: 'get_weather', response: { result: 'sunny' } } }] },
        ],
      }),
    });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('missing a thought_signature');
  });
});
