// /v1/messages with an Anthropic upstream: thinking blocks survive the trip through the canonical
// shape unchanged — request (history and `thinking`), response, and stream (checked with the SDK).
import Anthropic from '@anthropic-ai/sdk';
import { describe, expect, it } from 'vitest';
import type { ChatChunk, ChatRequest, ProviderEndpoint } from '../ports.js';
import { fixtureJson, fixtureText } from '../common/fixture.js';
import { anthropicAdapter } from '../anthropic/adapter.js';
import { chatResponseToMessage, MessagesStreamEncoder, parseMessagesRequest } from './index.js';

const anthropicFixtures = new URL('../anthropic/', import.meta.url).href;
const endpoint: ProviderEndpoint = { id: 'a', type: 'anthropic', baseUrl: 'https://api.anthropic.com', apiKey: 'k' };
const signed = { type: 'thinking', thinking: 'Need the tool.', signature: 'EqoBCkgIARABGAIiQL2U...' };
const redacted = { type: 'redacted_thinking', data: 'EmwKAhgBEgy3va3pzix...' };

function translated(body: unknown): ChatRequest {
  const r = parseMessagesRequest(body);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

const request = {
  model: 'claude',
  max_tokens: 16000,
  thinking: { type: 'enabled', budget_tokens: 10000 },
  messages: [
    { role: 'user', content: 'Weather in Paris?' },
    {
      role: 'assistant',
      content: [signed, redacted, { type: 'tool_use', id: 'toolu_01', name: 'get_weather', input: { city: 'Paris' } }],
    },
    { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_01', content: '18C' }] },
  ],
  tools: [{ name: 'get_weather', input_schema: { type: 'object' } }],
};

function sdkStreaming(sse: string): Anthropic {
  return new Anthropic({
    apiKey: 'test',
    baseURL: 'http://tollgate.invalid',
    maxRetries: 0,
    fetch: async () => new Response(sse, { status: 200, headers: { 'content-type': 'text/event-stream' } }),
  });
}

describe('messages-api thinking: request', () => {
  it('reaches an Anthropic upstream with `thinking` and the history blocks unchanged', () => {
    const chat = translated(request);
    const body = JSON.parse(anthropicAdapter.buildChatRequest(endpoint, 'claude-sonnet-4-5', chat).body!);
    expect(body.thinking).toEqual({ type: 'enabled', budget_tokens: 10000 });
    expect(body.max_tokens).toBe(16000);
    expect(body.messages[1].content).toEqual(request.messages[1]!.content);
  });

  it('leaves no trace of thinking in the body an OpenAI-compatible upstream receives', () => {
    const serialised = JSON.stringify(translated(request));
    expect(serialised).not.toContain('thinking');
    expect(serialised).not.toContain('budget_tokens');
  });
});

describe('messages-api thinking: response', () => {
  it('gives back the upstream thinking blocks in place, before the text', () => {
    const upstream = fixtureJson(anthropicFixtures, 'messages-response-thinking.json') as { content: unknown[] };
    const { response, usage } = anthropicAdapter.parseChatResponse(upstream, 'claude');
    const msg = chatResponseToMessage(response, 'claude', usage);
    expect(msg['content']).toEqual(upstream.content);
    expect(msg['usage']).toMatchObject({ input_tokens: 2095, output_tokens: 503 });
  });

  it("shows other upstreams' reasoning_content as an unsigned thinking block", () => {
    const msg = chatResponseToMessage(
      {
        id: 'x',
        object: 'chat.completion',
        choices: [
          { index: 0, message: { role: 'assistant', content: '4', reasoning_content: '2+2' }, finish_reason: 'stop' },
        ],
      },
      'm',
    );
    expect(msg['content']).toEqual([
      { type: 'thinking', thinking: '2+2', signature: '' },
      { type: 'text', text: '4' },
    ]);
  });
});

describe('messages-api thinking: stream', () => {
  it('re-encodes an Anthropic thinking stream so the SDK rebuilds the same blocks', async () => {
    const parser = anthropicAdapter.createStreamParser('claude');
    const chunks: ChatChunk[] = [
      ...parser.push(fixtureText(anthropicFixtures, 'messages-stream-thinking.sse')),
      ...parser.end(),
    ];
    const enc = new MessagesStreamEncoder({ model: 'claude' });
    const sse = chunks.map((c) => enc.push(c)).join('') + enc.finish(parser.usage());
    const final = await sdkStreaming(sse)
      .messages.stream({ model: 'claude', max_tokens: 100, messages: [{ role: 'user', content: 'gcd?' }] })
      .finalMessage();
    expect(final.content).toEqual([
      {
        type: 'thinking',
        thinking:
          'I need to find the GCD of 1071 and 462 using the Euclidean algorithm.\n\n1071 = 2 × 462 + 147\n462 = 3 × 147 + 21\n147 = 7 × 21 + 0\n\nSo GCD is 21.',
        signature: 'EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds...',
      },
      { type: 'redacted_thinking', data: 'EmwKAhgBEgy3va3pzix/LafPsn4aDFIT2Xlxh0L5L8rLVyIw...' },
      { type: 'text', text: 'The greatest common divisor of 1071 and 462 is **21**.' },
    ]);
    expect(final.usage).toMatchObject({ input_tokens: 36, output_tokens: 302 });
  });

  it('opens a new thinking block after a signature, and takes bare reasoning_content', () => {
    const c = (delta: Record<string, unknown>): ChatChunk => ({
      id: 'x',
      object: 'chat.completion.chunk',
      choices: [{ index: 0, delta, finish_reason: null }],
    });
    const enc = new MessagesStreamEncoder({ model: 'm' });
    const events = [
      c({ reasoning_content: 'a', thinking_blocks: [{ type: 'thinking', thinking: 'a' }] }),
      c({ thinking_blocks: [{ type: 'thinking', thinking: '', signature: 's1' }] }),
      c({ reasoning_content: 'b', thinking_blocks: [{ type: 'thinking', thinking: 'b' }] }),
      c({ thinking_blocks: [{ type: 'thinking', thinking: '', signature: 's2' }] }),
      c({ content: 'done' }),
      c({ reasoning_content: 'other upstream' }),
    ].flatMap((ch) => enc.events(ch));
    const blocks = events.filter((e) => e.type === 'content_block_start').map((e) => e['content_block']);
    expect(blocks).toEqual([
      { type: 'thinking', thinking: '', signature: '' },
      { type: 'thinking', thinking: '', signature: '' },
      { type: 'text', text: '' },
      { type: 'thinking', thinking: '', signature: '' },
    ]);
    expect(events.filter((e) => e.type === 'content_block_delta').map((e) => [e['index'], e['delta']])).toEqual([
      [0, { type: 'thinking_delta', thinking: 'a' }],
      [0, { type: 'signature_delta', signature: 's1' }],
      [1, { type: 'thinking_delta', thinking: 'b' }],
      [1, { type: 'signature_delta', signature: 's2' }],
      [2, { type: 'text_delta', text: 'done' }],
      [3, { type: 'thinking_delta', thinking: 'other upstream' }],
    ]);
  });
});
