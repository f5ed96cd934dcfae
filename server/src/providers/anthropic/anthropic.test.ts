import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ChatChunk, ChatRequest, ProviderEndpoint } from '../ports.js';
import { fixtureJson, fixtureText, splitBytes } from '../common/fixture.js';
import { UpstreamFormatError } from '../common/upstream-error.js';
import { anthropicAdapter } from './adapter.js';

const here = import.meta.url;
const endpoint: ProviderEndpoint = {
  id: 'anthropic',
  type: 'anthropic',
  baseUrl: 'https://api.anthropic.com',
  apiKey: 'sk-ant-test',
};

function streamAll(text: string, pieces: (string | Uint8Array)[] = [text]) {
  const p = anthropicAdapter.createStreamParser('claude', { created: 1700000000 });
  const chunks: ChatChunk[] = [];
  for (const piece of pieces) chunks.push(...p.push(piece));
  chunks.push(...p.end());
  return { chunks, usage: p.usage(), error: p.error(), completed: p.completed?.() };
}

const deltaOf = (c: ChatChunk) =>
  c.choices[0] as { delta: Record<string, unknown>; finish_reason: string | null } | undefined;

describe('anthropic adapter: request', () => {
  const req = fixtureJson(here, 'chat-request.json') as ChatRequest;
  const up = anthropicAdapter.buildChatRequest(endpoint, 'claude-sonnet-4-5', req);
  const body = JSON.parse(up.body!);

  it('targets /v1/messages with x-api-key and anthropic-version', () => {
    expect(up.url).toBe('https://api.anthropic.com/v1/messages');
    expect(up.headers['x-api-key']).toBe('sk-ant-test');
    expect(up.headers['anthropic-version']).toBe('2023-06-01');
    expect(up.headers['authorization']).toBeUndefined();
    expect(anthropicAdapter.buildChatRequest({ ...endpoint, baseUrl: 'https://proxy.example/v1/' }, 'm', req).url).toBe(
      'https://proxy.example/v1/messages',
    );
  });

  it('moves system and developer messages to `system`', () => {
    expect(body.system).toBe('Be brief.\n\nUse metric units.');
    expect(body.messages.every((m: { role: string }) => m.role === 'user' || m.role === 'assistant')).toBe(true);
  });

  it('converts images, tool calls and tool results, merging consecutive user turns', () => {
    expect(body.messages).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Weather here and there?' },
          { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
          { type: 'image', source: { type: 'url', url: 'https://example.com/cat.jpg' } },
        ],
      },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'Checking.' },
          { type: 'tool_use', id: 'call_1', name: 'get_weather', input: { city: 'Paris' } },
          { type: 'tool_use', id: 'call_2', name: 'get_weather', input: { city: 'Oslo' } },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'call_1', content: '18C sunny' },
          { type: 'tool_result', tool_use_id: 'call_2', content: [{ type: 'text', text: '3C snow' }] },
          { type: 'text', text: 'Thanks' },
        ],
      },
    ]);
  });

  it('maps tools, tool_choice, stop, sampling, max tokens, user and stream', () => {
    expect(body.tools).toEqual([
      {
        name: 'get_weather',
        description: 'Weather for a city',
        input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
      },
    ]);
    expect(body.tool_choice).toEqual({ type: 'any', disable_parallel_tool_use: true });
    expect(body.stop_sequences).toEqual(['END']);
    expect(body.temperature).toBe(0.2);
    expect(body.top_p).toBe(0.9);
    expect(body.max_tokens).toBe(300);
    expect(body.metadata).toEqual({ user_id: 'u-1' });
    expect(body.stream).toBe(true);
    expect(body.model).toBe('claude-sonnet-4-5');
  });

  it('defaults max_tokens to 4096 and maps the other tool_choice forms', () => {
    const tools = req['tools'];
    const b = (extra: Record<string, unknown>) =>
      JSON.parse(
        anthropicAdapter.buildChatRequest(endpoint, 'm', {
          model: 'x',
          messages: [{ role: 'user', content: 'hi' }],
          ...extra,
        }).body!,
      );
    expect(b({}).max_tokens).toBe(4096);
    expect(b({ max_tokens: 10 }).max_tokens).toBe(10);
    expect(b({ tools, tool_choice: 'auto' }).tool_choice).toEqual({ type: 'auto' });
    expect(b({ tools, tool_choice: 'none' }).tool_choice).toEqual({ type: 'none' });
    expect(b({ tools, tool_choice: { type: 'function', function: { name: 'get_weather' } } }).tool_choice).toEqual({
      type: 'tool',
      name: 'get_weather',
    });
    expect(b({ tools }).tool_choice).toBeUndefined();
    expect(b({ stop: ['a', 'b'], temperature: 1.7 })).toMatchObject({ stop_sequences: ['a', 'b'], temperature: 1 });
    expect(b({}).stream).toBeUndefined();
  });
});

describe('anthropic adapter: response', () => {
  it('converts a message with text and tool_use, summing cache tokens into prompt tokens', () => {
    const { response, usage } = anthropicAdapter.parseChatResponse(
      fixtureJson(here, 'messages-response.json'),
      'claude',
      { created: 1700000000 },
    );
    expect(response).toMatchObject({
      id: 'msg_01XFDUDYJgAACzvnptvVoYEL',
      object: 'chat.completion',
      created: 1700000000,
      model: 'claude',
    });
    expect(response.choices[0]).toEqual({
      index: 0,
      message: {
        role: 'assistant',
        content: "I'll check the weather.",
        tool_calls: [
          {
            id: 'toolu_01A09q90qw90lq917835lq9',
            type: 'function',
            function: { name: 'get_weather', arguments: '{"city":"Paris","unit":"celsius"}' },
          },
        ],
      },
      logprobs: null,
      finish_reason: 'tool_calls',
    });
    expect(usage).toEqual({
      promptTokens: 472 + 100 + 2048,
      completionTokens: 89,
      cachedTokens: 2048,
      cacheWriteTokens: 100,
      reasoningTokens: 0,
    });
    expect(response.usage).toEqual({
      prompt_tokens: 2620,
      completion_tokens: 89,
      total_tokens: 2709,
      prompt_tokens_details: { cached_tokens: 2048, cache_write_tokens: 100 },
    });
  });

  it('maps every stop_reason', () => {
    const cases: [string, string][] = [
      ['end_turn', 'stop'],
      ['stop_sequence', 'stop'],
      ['max_tokens', 'length'],
      ['tool_use', 'tool_calls'],
      ['refusal', 'content_filter'],
      ['pause_turn', 'stop'],
    ];
    for (const [stop, finish] of cases) {
      const { response } = anthropicAdapter.parseChatResponse(
        {
          type: 'message',
          id: 'm',
          content: [{ type: 'text', text: 'x' }],
          stop_reason: stop,
          usage: { input_tokens: 1, output_tokens: 1 },
        },
        'c',
      );
      expect((response.choices[0] as { finish_reason: string }).finish_reason).toBe(finish);
    }
  });

  it('rejects bodies that are not messages', () => {
    expect(() => anthropicAdapter.parseChatResponse(fixtureJson(here, 'error-529.json'), 'c')).toThrow(
      UpstreamFormatError,
    );
    expect(() => anthropicAdapter.parseChatResponse('garbage', 'c')).toThrow(UpstreamFormatError);
  });

  it('parses errors: overloaded (529) is retryable, invalid requests are not', () => {
    expect(anthropicAdapter.parseError(529, fixtureText(here, 'error-529.json'))).toEqual({
      status: 529,
      message: 'Overloaded',
      retryable: true,
    });
    const e400 = anthropicAdapter.parseError(400, fixtureText(here, 'error-400.json'));
    expect(e400.retryable).toBe(false);
    expect(e400.message).toMatch(/roles must alternate/);
  });
});

describe('anthropic adapter: stream', () => {
  it('turns the documented event sequence into OpenAI chunks with usage', () => {
    const { chunks, usage, error, completed } = streamAll(fixtureText(here, 'messages-stream.sse'));
    expect(error).toBeNull();
    expect(completed).toBe(true);
    expect(
      chunks.every(
        (c) => c.id === 'msg_014p7gG3wDgGV9EUtLvnow3U' && c.model === 'claude' && c['created'] === 1700000000,
      ),
    ).toBe(true);
    expect(deltaOf(chunks[0]!)!.delta).toEqual({ role: 'assistant', content: '' });
    const text = chunks.map((c) => deltaOf(c)?.delta['content'] ?? '').join('');
    expect(text).toBe("Okay, let's check the weather for San Francisco, CA:");
    const toolDeltas = chunks.flatMap(
      (c) =>
        (deltaOf(c)?.delta['tool_calls'] as
          { index: number; id?: string; function: { name?: string; arguments: string } }[] | undefined) ?? [],
    );
    expect(toolDeltas[0]).toEqual({
      index: 0,
      id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6',
      type: 'function',
      function: { name: 'get_weather', arguments: '' },
    });
    expect(JSON.parse(toolDeltas.map((t) => t.function.arguments).join(''))).toEqual({
      location: 'San Francisco, CA',
      unit: 'fahrenheit',
    });
    const finish = chunks.find((c) => deltaOf(c)?.finish_reason);
    expect(deltaOf(finish!)!.finish_reason).toBe('tool_calls');
    const last = chunks[chunks.length - 1]!;
    expect(last.choices).toEqual([]);
    expect(last.usage).toEqual({
      prompt_tokens: 1496,
      completion_tokens: 89,
      total_tokens: 1585,
      prompt_tokens_details: { cached_tokens: 1024 },
    });
    expect(usage).toEqual({
      promptTokens: 1496,
      completionTokens: 89,
      cachedTokens: 1024,
      cacheWriteTokens: 0,
      reasoningTokens: 0,
    });
  });

  it('lets message_delta input counts supersede message_start ones', () => {
    const text = fixtureText(here, 'messages-stream.sse').replace(
      '"usage":{"output_tokens":89}',
      '"usage":{"output_tokens":89,"input_tokens":500,"cache_read_input_tokens":null}',
    );
    expect(streamAll(text).usage).toMatchObject({ promptTokens: 500 + 1024, completionTokens: 89 });
  });

  it('gives a tool call that streamed no input "{}" as its arguments, like the non-stream answer', () => {
    const ev = (type: string, data: object) => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
    const noArgs = (stop: boolean) =>
      ev('message_start', { message: { id: 'msg_1', usage: { input_tokens: 10, output_tokens: 1 } } }) +
      ev('content_block_start', {
        index: 0,
        content_block: { type: 'tool_use', id: 'toolu_1', name: 'now', input: {} },
      }) +
      ev('content_block_delta', { index: 0, delta: { type: 'input_json_delta', partial_json: '' } }) +
      (stop ? ev('content_block_stop', { index: 0 }) : '') +
      ev('message_delta', { delta: { stop_reason: 'tool_use' }, usage: { output_tokens: 12 } }) +
      ev('message_stop', {});
    type Call = { id?: string; function: { arguments: string } };
    const callsOf = (c: ChatChunk) => (deltaOf(c)?.delta['tool_calls'] as Call[] | undefined) ?? [];
    for (const stop of [true, false]) {
      const { chunks } = streamAll(noArgs(stop));
      expect(chunks.flatMap(callsOf).map((t) => t.function.arguments)).toEqual(['', '{}']);
      // The arguments come before the finish chunk.
      const argsAt = chunks.findIndex((c) => callsOf(c).some((t) => t.id === undefined));
      expect(argsAt).toBeGreaterThan(0);
      expect(argsAt).toBeLessThan(chunks.findIndex((c) => deltaOf(c)?.finish_reason));
    }
    // A tool call with input streams it once, with nothing added at its stop.
    const args = streamAll(fixtureText(here, 'messages-stream.sse')).chunks.flatMap(callsOf);
    expect(args.map((t) => t.function.arguments).filter((a) => a === '{}')).toEqual([]);
    expect(JSON.parse(args.map((t) => t.function.arguments).join(''))).toMatchObject({ unit: 'fahrenheit' });
  });

  it('reports an error event mid-stream (overloaded → 529, retryable)', () => {
    const { chunks, error, completed, usage } = streamAll(fixtureText(here, 'messages-stream-error.sse'));
    expect(chunks).toHaveLength(2);
    expect(error).toEqual({ status: 529, message: 'Overloaded', retryable: true });
    expect(completed).toBe(false);
    expect(usage).toBeNull();
  });

  it('flags garbage and truncation', () => {
    expect(streamAll('event: message_start\ndata: nope\n\n').error).toMatchObject({ status: 502 });
    const cut = fixtureText(here, 'messages-stream.sse').split('event: message_delta')[0]!;
    const r = streamAll(cut);
    expect(r.completed).toBe(false);
    expect(r.usage).toBeNull();
    expect(r.chunks.length).toBeGreaterThan(3);
  });

  it('gives the same chunks for any split of the byte stream', () => {
    const text = fixtureText(here, 'messages-stream.sse').replace(/\n/g, '\r\n');
    const whole = streamAll(text);
    fc.assert(
      fc.property(fc.array(fc.nat({ max: text.length }), { maxLength: 40 }), (cuts) => {
        const split = streamAll(text, splitBytes(text, cuts));
        expect(split.chunks).toEqual(whole.chunks);
        expect(split.usage).toEqual(whole.usage);
      }),
      { numRuns: 150 },
    );
  });
});
