import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ChatChunk, ChatRequest, ProviderEndpoint } from '../ports.js';
import { fixtureJson, fixtureText, splitBytes } from '../common/fixture.js';
import { anthropicAdapter } from './adapter.js';
import { setNative } from '../common/json.js';
import { NATIVE_THINKING_BLOCKS, NATIVE_THINKING_CONFIG } from './thinking.js';

const here = import.meta.url;
const endpoint: ProviderEndpoint = { id: 'a', type: 'anthropic', baseUrl: 'https://api.anthropic.com', apiKey: 'k' };

function bodyOf(req: Record<string, unknown>) {
  const full = { model: 'x', messages: [{ role: 'user', content: 'hi' }], ...req } as ChatRequest;
  return JSON.parse(anthropicAdapter.buildChatRequest(endpoint, 'claude-sonnet-4-5', full).body!) as Record<
    string,
    unknown
  >;
}

function streamAll(text: string, pieces: (string | Uint8Array)[] = [text]) {
  const p = anthropicAdapter.createStreamParser('claude', { created: 1700000000 });
  const chunks: ChatChunk[] = [];
  for (const piece of pieces) chunks.push(...p.push(piece));
  chunks.push(...p.end());
  return { chunks, usage: p.usage(), completed: p.completed?.() };
}

const deltas = (chunks: ChatChunk[]) =>
  chunks.flatMap((c) => (c.choices as { delta: Record<string, unknown> }[]).map((ch) => ch.delta));

describe('anthropic thinking: request', () => {
  it('maps reasoning_effort to a budget, keeps the answer allowance and drops sampling thinking forbids', () => {
    const body = bodyOf(fixtureJson(here, 'chat-request-thinking.json') as Record<string, unknown>);
    expect(body['thinking']).toEqual({ type: 'enabled', budget_tokens: 2048 });
    expect(body['max_tokens']).toBe(2048 + 4096);
    expect(body['temperature']).toBeUndefined();
    expect(body['top_p']).toBeUndefined();
  });

  it('sends signed thinking blocks back first in the assistant turn and drops unsigned ones', () => {
    const body = bodyOf(fixtureJson(here, 'chat-request-thinking.json') as Record<string, unknown>);
    expect((body['messages'] as unknown[])[1]).toEqual({
      role: 'assistant',
      content: [
        {
          type: 'thinking',
          thinking: 'The user wants the weather; call the tool.',
          signature: 'EqoBCkgIARABGAIiQL2UoU0b1OHYi...',
        },
        { type: 'redacted_thinking', data: 'EmwKAhgBEgy3va3pzix...' },
        { type: 'tool_use', id: 'toolu_01', name: 'get_weather', input: { city: 'Paris' } },
      ],
    });
  });

  it('fits the budget under a client cap, which includes thinking, or leaves thinking off', () => {
    expect(bodyOf({ reasoning_effort: 'high', max_completion_tokens: 3000 })).toMatchObject({
      thinking: { type: 'enabled', budget_tokens: 2999 },
      max_tokens: 3000,
    });
    expect(bodyOf({ reasoning_effort: 'low', max_tokens: 20000 })).toMatchObject({
      thinking: { type: 'enabled', budget_tokens: 1024 },
      max_tokens: 20000,
    });
    const tight = bodyOf({ reasoning_effort: 'low', max_tokens: 800, temperature: 0.3 });
    expect(tight['thinking']).toBeUndefined();
    expect(tight).toMatchObject({ max_tokens: 800, temperature: 0.3 });
    expect(bodyOf({ reasoning_effort: 'none' })['thinking']).toBeUndefined();
  });

  it('passes a `thinking` object through, keeping top_p within 0.95..1', () => {
    const body = bodyOf({ thinking: { type: 'enabled', budget_tokens: 10000 }, top_p: 0.96, reasoning_effort: 'low' });
    expect(body['thinking']).toEqual({ type: 'enabled', budget_tokens: 10000 });
    expect(body['max_tokens']).toBe(10000 + 4096);
    expect(body['top_p']).toBe(0.96);
    expect(bodyOf({ thinking: { type: 'enabled', budget_tokens: 2000 }, max_tokens: 9000 })['max_tokens']).toBe(9000);
    expect(bodyOf({ thinking: { type: 'disabled' }, temperature: 0.5 })).toMatchObject({
      thinking: { type: 'disabled' },
      temperature: 0.5,
      max_tokens: 4096,
    });
  });

  it('runs without thinking when the last tool call comes back without its thinking block', () => {
    const req = fixtureJson(here, 'chat-request-thinking.json') as Record<string, unknown>;
    const messages = structuredClone(req['messages']) as Record<string, unknown>[];
    delete messages[1]!['thinking_blocks'];
    const body = bodyOf({ ...req, messages });
    expect(body['thinking']).toBeUndefined();
    expect(body['max_tokens']).toBe(4096);
    expect(body['temperature']).toBe(0.7);
  });

  it('uses the /v1/messages originals (symbol keys) verbatim and never serialises them elsewhere', () => {
    const assistant = { role: 'assistant', content: 'ok' };
    const blocks = [{ type: 'thinking', thinking: 'hmm', signature: 'sig-1' }];
    setNative(assistant, NATIVE_THINKING_BLOCKS, blocks);
    const req: ChatRequest = { model: 'x', messages: [{ role: 'user', content: 'hi' }, assistant] };
    setNative(req, NATIVE_THINKING_CONFIG, { type: 'enabled', budget_tokens: 1500 });
    const body = bodyOf(req);
    expect(body['thinking']).toEqual({ type: 'enabled', budget_tokens: 1500 });
    expect((body['messages'] as { content: unknown }[])[1]!.content).toEqual([...blocks, { type: 'text', text: 'ok' }]);
    expect(JSON.stringify(req)).not.toContain('sig-1');
    expect(JSON.stringify(req)).not.toContain('budget_tokens');
  });
});

describe('anthropic thinking: response', () => {
  it('returns thinking as reasoning_content plus the blocks with their signatures', () => {
    const { response, usage } = anthropicAdapter.parseChatResponse(
      fixtureJson(here, 'messages-response-thinking.json'),
      'claude',
    );
    expect((response.choices[0] as { message: unknown }).message).toEqual({
      role: 'assistant',
      content: 'Based on my analysis, the answer is 42.',
      reasoning_content: 'Let me analyze this step by step...',
      thinking_blocks: [
        {
          type: 'thinking',
          thinking: 'Let me analyze this step by step...',
          signature: 'WaUjzkypQ2mUEVM36O2TxuC06KN8xyfbJwyem2dw3URve/op91XWHOEBLLqIOMfFG/UvLEczmEsUjavL....',
        },
        {
          type: 'redacted_thinking',
          data: 'EmwKAhgBEgy3va3pzix/LafPsn4aDFIT2Xlxh0L5L8rLVyIwxtE3rAFBa8cr3qpPkNRj2YfWXGmKDxH4mPnZ5sQ7vB5URj2pLmN3kF8/dW5hR7xJ0aP1oLs9yTcMnKVf2wRpEGjH9XZaBt4UvDcPrQ...',
        },
      ],
    });
    // Thinking is billed as output: output_tokens already holds it, priced at the output rate.
    expect(usage).toEqual({
      promptTokens: 2095,
      completionTokens: 503,
      cachedTokens: 0,
      cacheWriteTokens: 0,
      reasoningTokens: 0,
    });
  });
});

describe('anthropic thinking: stream', () => {
  const sse = fixtureText(here, 'messages-stream-thinking.sse');

  it('streams thinking as reasoning_content deltas and thinking_blocks pieces, then the text', () => {
    const { chunks, usage, completed } = streamAll(sse);
    expect(completed).toBe(true);
    const ds = deltas(chunks);
    expect(ds.map((d) => d['reasoning_content'] ?? '').join('')).toBe(
      'I need to find the GCD of 1071 and 462 using the Euclidean algorithm.\n\n1071 = 2 × 462 + 147\n462 = 3 × 147 + 21\n147 = 7 × 21 + 0\n\nSo GCD is 21.',
    );
    expect(ds.filter((d) => d['thinking_blocks']).map((d) => d['thinking_blocks'])).toEqual([
      [
        {
          type: 'thinking',
          thinking: 'I need to find the GCD of 1071 and 462 using the Euclidean algorithm.\n\n1071 = 2 × 462 + 147',
        },
      ],
      [{ type: 'thinking', thinking: '\n462 = 3 × 147 + 21\n147 = 7 × 21 + 0\n\nSo GCD is 21.' }],
      [{ type: 'thinking', thinking: '', signature: 'EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds...' }],
      [{ type: 'redacted_thinking', data: 'EmwKAhgBEgy3va3pzix/LafPsn4aDFIT2Xlxh0L5L8rLVyIw...' }],
    ]);
    expect(ds.map((d) => d['content'] ?? '').join('')).toBe('The greatest common divisor of 1071 and 462 is **21**.');
    expect(usage).toMatchObject({ promptTokens: 36, completionTokens: 302, reasoningTokens: 0 });
  });

  it('gives the same chunks for any split of the byte stream', () => {
    const whole = streamAll(sse);
    fc.assert(
      fc.property(fc.array(fc.nat({ max: sse.length }), { maxLength: 30 }), (cuts) => {
        expect(streamAll(sse, splitBytes(sse, cuts)).chunks).toEqual(whole.chunks);
      }),
      { numRuns: 100 },
    );
  });
});
