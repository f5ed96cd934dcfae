import Anthropic from '@anthropic-ai/sdk';
import { describe, expect, it } from 'vitest';
import type { ChatChunk, ChatResponse } from '../ports.js';
import { fixtureJson } from '../common/fixture.js';
import { NATIVE_TEXT_BLOCKS } from '../anthropic/cache-control.js';
import { NATIVE_THINKING_BLOCKS, NATIVE_THINKING_CONFIG } from '../anthropic/thinking.js';
import { NATIVE_TOOL_RESULT } from '../anthropic/tool-result-images.js';
import { anthropicErrorBody, chatResponseToMessage, MessagesStreamEncoder, parseMessagesRequest } from './index.js';

const here = import.meta.url;

describe('messages-api: request → canonical', () => {
  it('translates system, images, thinking, tool_use/tool_result, tools and options', () => {
    const r = parseMessagesRequest(fixtureJson(here, 'messages-request.json'));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value).toEqual({
      model: 'claude-sonnet-4-5',
      max_tokens: 1024,
      messages: [
        {
          role: 'system',
          content: 'You are terse.\nAnswer in English.',
          // The prompt-caching breakpoint, for Anthropic upstreams (the content stays one string).
          [NATIVE_TEXT_BLOCKS]: [
            { type: 'text', text: 'You are terse.' },
            { type: 'text', text: 'Answer in English.', cache_control: { type: 'ephemeral' } },
          ],
        },
        {
          role: 'user',
          content: [
            { type: 'text', text: "What is in this image, and what's the weather in Paris?" },
            { type: 'image_url', image_url: { url: 'data:image/jpeg;base64,/9j/4AAQSkZJRg==' } },
            { type: 'image_url', image_url: { url: 'https://upload.wikimedia.org/a.jpg' } },
          ],
        },
        {
          role: 'assistant',
          content: 'A cat. Checking weather.',
          tool_calls: [
            { id: 'toolu_01', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
          ],
          // Anthropic upstreams only: a symbol key is never serialised into other upstreams' bodies.
          [NATIVE_THINKING_BLOCKS]: [{ type: 'thinking', thinking: 'Need the tool.', signature: 'sig' }],
        },
        { role: 'tool', tool_call_id: 'toolu_01', content: '18C' },
        { role: 'user', content: 'And tomorrow?' },
      ],
      stop: ['\n\nHuman:'],
      temperature: 0.5,
      top_p: 0.8,
      tools: [
        {
          type: 'function',
          function: {
            name: 'get_weather',
            description: 'Weather by city',
            parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
          },
        },
      ],
      tool_choice: 'auto',
      parallel_tool_calls: false,
      user: 'user-7',
      stream: true,
      stream_options: { include_usage: true },
      [NATIVE_THINKING_CONFIG]: { type: 'enabled', budget_tokens: 800 },
    });
  });

  it('maps tool_choice any/tool/none and marks error tool results', () => {
    const base = {
      model: 'm',
      max_tokens: 5,
      messages: [
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't', content: 'boom', is_error: true }] },
      ],
    };
    const tools = [{ name: 'f', input_schema: { type: 'object' } }];
    const pick = (tc: unknown) => {
      const r = parseMessagesRequest({ ...base, tools, tool_choice: tc });
      if (!r.ok) throw new Error(r.error.message);
      return r.value;
    };
    expect(pick({ type: 'any' })['tool_choice']).toBe('required');
    expect(pick({ type: 'none' })['tool_choice']).toBe('none');
    expect(pick({ type: 'tool', name: 'f' })['tool_choice']).toEqual({ type: 'function', function: { name: 'f' } });
    // The "Error: " text for OpenAI-format upstreams; the block itself (is_error) for Anthropic ones.
    expect(pick({ type: 'auto' }).messages).toEqual([
      {
        role: 'tool',
        tool_call_id: 't',
        content: 'Error: boom',
        [NATIVE_TOOL_RESULT]: { type: 'tool_result', tool_use_id: 't', content: 'boom', is_error: true },
      },
    ]);
  });

  it('refuses invalid requests naming the field', () => {
    const bad: [unknown, string][] = [
      [{ max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }, 'model'],
      [{ model: 'm', messages: [{ role: 'user', content: 'x' }] }, 'max_tokens'],
      [{ model: 'm', max_tokens: 0, messages: [{ role: 'user', content: 'x' }] }, 'max_tokens'],
      [{ model: 'm', max_tokens: 5, messages: [] }, 'messages'],
      [{ model: 'm', max_tokens: 5, messages: [{ role: 'system', content: 'x' }] }, 'messages.0.role'],
      [{ model: 'm', max_tokens: 5, messages: [{ role: 'user', content: 'x' }], temperature: 2 }, 'temperature'],
      [
        { model: 'm', max_tokens: 5, messages: [{ role: 'user', content: 'x' }], tool_choice: { type: 'tool' } },
        'tool_choice.name',
      ],
      ['not an object', 'body'],
    ];
    for (const [body, field] of bad) {
      const r = parseMessagesRequest(body);
      expect(r.ok, JSON.stringify(body)).toBe(false);
      if (!r.ok) expect(r.error.field).toBe(field);
    }
  });
});

const response: ChatResponse = {
  id: 'chatcmpl-1',
  object: 'chat.completion',
  choices: [
    {
      index: 0,
      message: {
        role: 'assistant',
        content: 'Let me check.',
        tool_calls: [
          { id: 'call_9', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } },
        ],
      },
      finish_reason: 'tool_calls',
    },
  ],
  usage: {
    prompt_tokens: 1500,
    completion_tokens: 30,
    total_tokens: 1530,
    prompt_tokens_details: { cached_tokens: 1000, cache_write_tokens: 200 },
  },
};

describe('messages-api: response', () => {
  it('converts a chat completion to an Anthropic message with Anthropic usage semantics', () => {
    expect(chatResponseToMessage(response, 'claude-x')).toEqual({
      id: 'msg_chatcmpl-1',
      type: 'message',
      role: 'assistant',
      model: 'claude-x',
      content: [
        { type: 'text', text: 'Let me check.' },
        { type: 'tool_use', id: 'call_9', name: 'get_weather', input: { city: 'Oslo' } },
      ],
      stop_reason: 'tool_use',
      stop_sequence: null,
      usage: { input_tokens: 300, output_tokens: 30, cache_read_input_tokens: 1000, cache_creation_input_tokens: 200 },
    });
  });

  it('maps length to max_tokens', () => {
    const r = {
      ...response,
      choices: [{ index: 0, message: { role: 'assistant', content: 'x' }, finish_reason: 'length' }],
    };
    expect(chatResponseToMessage(r, 'c')['stop_reason']).toBe('max_tokens');
  });
});

const chunk = (delta: Record<string, unknown>, finish: string | null = null): ChatChunk => ({
  id: 'chatcmpl-s',
  object: 'chat.completion.chunk',
  choices: [{ index: 0, delta, finish_reason: finish }],
});
const streamChunks: ChatChunk[] = [
  chunk({ role: 'assistant', content: '' }),
  chunk({ content: 'Hello' }),
  chunk({ content: ' there.' }),
  chunk({
    tool_calls: [{ index: 0, id: 'call_a', type: 'function', function: { name: 'get_weather', arguments: '' } }],
  }),
  chunk({ tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] }),
  chunk({ tool_calls: [{ index: 0, function: { arguments: '"Rome"}' } }] }),
  chunk({
    tool_calls: [{ index: 1, id: 'call_b', type: 'function', function: { name: 'get_time', arguments: '{}' } }],
  }),
  chunk({}, 'tool_calls'),
  {
    id: 'chatcmpl-s',
    object: 'chat.completion.chunk',
    choices: [],
    usage: { prompt_tokens: 40, completion_tokens: 25, total_tokens: 65, prompt_tokens_details: { cached_tokens: 8 } },
  },
];

function encodeAll(): string {
  const enc = new MessagesStreamEncoder({ model: 'claude-x', inputTokens: 35 });
  return streamChunks.map((c) => enc.push(c)).join('') + enc.finish();
}

describe('messages-api: stream encoder', () => {
  it('emits the Anthropic event sequence', () => {
    const enc = new MessagesStreamEncoder({ model: 'claude-x' });
    const types = [...streamChunks.flatMap((c) => enc.events(c)), ...enc.finishEvents()].map((e) =>
      e.type === 'content_block_delta' ? `${e.type}:${(e['delta'] as { type: string }).type}` : e.type,
    );
    expect(types).toEqual([
      'message_start',
      'content_block_start',
      'content_block_delta:text_delta',
      'content_block_delta:text_delta',
      'content_block_stop',
      'content_block_start',
      'content_block_delta:input_json_delta',
      'content_block_delta:input_json_delta',
      'content_block_stop',
      'content_block_start',
      'content_block_delta:input_json_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    expect(enc.finishEvents()).toEqual([]); // idempotent
  });

  it('is parsed by the official @anthropic-ai/sdk into the right final message', async () => {
    const sse = encodeAll();
    const client = new Anthropic({
      apiKey: 'test',
      baseURL: 'http://tollgate.invalid',
      maxRetries: 0,
      fetch: async () => new Response(sse, { status: 200, headers: { 'content-type': 'text/event-stream' } }),
    });
    const stream = client.messages.stream({
      model: 'claude-x',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'hi' }],
    });
    let text = '';
    stream.on('text', (t) => (text += t));
    const msg = await stream.finalMessage();
    expect(text).toBe('Hello there.');
    expect(msg.id).toBe('msg_chatcmpl-s');
    expect(msg.content).toEqual([
      { type: 'text', text: 'Hello there.' },
      { type: 'tool_use', id: 'call_a', name: 'get_weather', input: { city: 'Rome' } },
      { type: 'tool_use', id: 'call_b', name: 'get_time', input: {} },
    ]);
    expect(msg.stop_reason).toBe('tool_use');
    expect(msg.usage).toMatchObject({
      input_tokens: 32,
      output_tokens: 25,
      cache_read_input_tokens: 8,
      cache_creation_input_tokens: 0,
    });
  });

  it('an error event makes the SDK throw an APIError of that type', async () => {
    const enc = new MessagesStreamEncoder({ model: 'claude-x' });
    const sse = enc.push(streamChunks[1]!) + enc.error('upstream failed', 'overloaded_error');
    expect(enc.finish()).toBe('');
    const client = new Anthropic({
      apiKey: 'test',
      baseURL: 'http://tollgate.invalid',
      maxRetries: 0,
      fetch: async () => new Response(sse, { status: 200, headers: { 'content-type': 'text/event-stream' } }),
    });
    const stream = await client.messages.create({
      model: 'claude-x',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
    });
    const seen: string[] = [];
    await expect(
      (async () => {
        for await (const ev of stream) seen.push(ev.type);
      })(),
    ).rejects.toMatchObject({ type: 'overloaded_error' });
    expect(seen).toContain('content_block_delta');
  });

  it('an empty stream still produces a well-formed message', () => {
    const enc = new MessagesStreamEncoder({ model: 'claude-x', id: 'abc' });
    const events = enc.finishEvents({
      promptTokens: 5,
      completionTokens: 0,
      cachedTokens: 0,
      cacheWriteTokens: 0,
      reasoningTokens: 0,
    });
    expect(events.map((e) => e.type)).toEqual(['message_start', 'message_delta', 'message_stop']);
    expect(events[1]).toMatchObject({
      delta: { stop_reason: 'end_turn' },
      usage: { input_tokens: 5, output_tokens: 0 },
    });
  });
});

describe('messages-api: errors', () => {
  it("renders errors in Anthropic's envelope, which the SDK maps to its error classes", async () => {
    expect(anthropicErrorBody(402, 'budget exceeded')).toEqual({
      type: 'error',
      error: { type: 'billing_error', message: 'budget exceeded' },
    });
    expect(anthropicErrorBody(418, 'x').error.type).toBe('invalid_request_error');
    expect(anthropicErrorBody(599, 'x').error.type).toBe('api_error');
    const client = new Anthropic({
      apiKey: 'test',
      baseURL: 'http://tollgate.invalid',
      maxRetries: 0,
      fetch: async () =>
        new Response(JSON.stringify(anthropicErrorBody(429, 'slow down')), {
          status: 429,
          headers: { 'content-type': 'application/json' },
        }),
    });
    await expect(
      client.messages.create({ model: 'm', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] }),
    ).rejects.toBeInstanceOf(Anthropic.RateLimitError);
  });
});
