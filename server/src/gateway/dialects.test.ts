import { describe, expect, it } from 'vitest';
import type { ChatChunk, ChatResponse } from '../providers/ports.js';
import { anthropicDialect } from './anthropic-dialect.js';
import { gatewayError } from './gateway-error.js';
import { openAiDialect } from './openai-dialect.js';

const usage = { promptTokens: 10, completionTokens: 4, cachedTokens: 2, cacheWriteTokens: 0, reasoningTokens: 0 };
const chunk = (
  delta: Record<string, unknown>,
  finish: string | null = null,
  extra: Record<string, unknown> = {},
): ChatChunk => ({
  id: 'chatcmpl-1',
  object: 'chat.completion.chunk',
  created: 1,
  model: 'm',
  choices: [{ index: 0, delta, finish_reason: finish }],
  ...extra,
});

function events(sse: string): { event: string | null; data: unknown }[] {
  return sse
    .split('\n\n')
    .filter(Boolean)
    .map((block) => {
      const ev = /^event: (.*)$/m.exec(block)?.[1] ?? null;
      const data = /^data: (.*)$/m.exec(block)?.[1] ?? '';
      return { event: ev, data: data === '[DONE]' ? '[DONE]' : JSON.parse(data) };
    });
}

const openAiStream = (includeUsage: boolean) =>
  openAiDialect.createStream({ model: 'm', requestId: 'req_1', includeUsage, promptEstimate: 5, created: 1 });

describe('openai dialect stream', () => {
  it('withholds the usage chunk unless asked and strips usage:null fields', () => {
    const w = openAiStream(false);
    const out =
      w.chunk(chunk({ content: 'hi' }, null, { usage: null })) +
      w.chunk({ ...chunk({}), choices: [], usage: { prompt_tokens: 10, completion_tokens: 4, total_tokens: 14 } }) +
      w.finish(usage, '0.01');
    const evs = events(out);
    expect(evs).toHaveLength(2);
    expect(evs[0]!.data).not.toHaveProperty('usage');
    expect(evs[1]!.data).toBe('[DONE]');
  });

  it('puts the cost into the usage chunk when include_usage was asked', () => {
    const w = openAiStream(true);
    const u = { prompt_tokens: 10, completion_tokens: 4, total_tokens: 14 };
    const out =
      w.chunk(chunk({ content: 'hi' }, 'stop', { usage: null })) +
      w.chunk({ ...chunk({}), choices: [], usage: u }) +
      w.finish(usage, '0.000123');
    const evs = events(out);
    expect(evs).toHaveLength(3);
    expect(evs[1]!.data).toMatchObject({ choices: [], usage: u, tollgate: { cost: '0.000123' } });
    expect(evs[2]!.data).toBe('[DONE]');
  });

  it('synthesises a usage chunk from estimated usage and renders errors as data events', () => {
    const w = openAiStream(true);
    const evs = events(w.chunk(chunk({ content: 'x' })) + w.finish(usage, '1.00'));
    expect(evs[1]!.data).toMatchObject({
      usage: { prompt_tokens: 10, completion_tokens: 4, total_tokens: 14, prompt_tokens_details: { cached_tokens: 2 } },
      tollgate: { cost: '1.00' },
    });
    const err = events(w.error(gatewayError(502, 'upstream_error', 'boom')));
    expect(err[0]!.data).toEqual({
      error: { message: 'boom', type: 'server_error', param: null, code: 'upstream_error' },
    });
  });
});

// The event encoding itself is providers/messages-api's (tested there against the SDK); these check
// the gateway's wiring: usage and error status reach it.
describe('anthropic dialect', () => {
  it('renders a non-stream message with tool use and usage', () => {
    const resp: ChatResponse = {
      id: 'chatcmpl-9',
      object: 'chat.completion',
      model: 'claude',
      choices: [
        {
          index: 0,
          finish_reason: 'tool_calls',
          message: {
            role: 'assistant',
            content: 'ok',
            tool_calls: [{ id: 't1', type: 'function', function: { name: 'f', arguments: '{"a":1}' } }],
          },
        },
      ],
    };
    expect(JSON.parse(anthropicDialect.response(resp, usage))).toEqual({
      id: 'msg_chatcmpl-9',
      type: 'message',
      role: 'assistant',
      model: 'claude',
      content: [
        { type: 'text', text: 'ok' },
        { type: 'tool_use', id: 't1', name: 'f', input: { a: 1 } },
      ],
      stop_reason: 'tool_use',
      stop_sequence: null,
      usage: { input_tokens: 8, output_tokens: 4, cache_read_input_tokens: 2, cache_creation_input_tokens: 0 },
    });
  });

  it('streams the Messages API event sequence', () => {
    const w = anthropicDialect.createStream({
      model: 'claude',
      requestId: 'req_1',
      includeUsage: false,
      promptEstimate: 7,
      created: 1,
    });
    const out =
      w.chunk(chunk({ role: 'assistant', content: '' })) +
      w.chunk(chunk({ content: 'Hel' })) +
      w.chunk(chunk({ content: 'lo' })) +
      w.chunk(
        chunk({ tool_calls: [{ index: 0, id: 't1', type: 'function', function: { name: 'f', arguments: '' } }] }),
      ) +
      w.chunk(chunk({ tool_calls: [{ index: 0, function: { arguments: '{"a":1}' } }] }, 'tool_calls')) +
      w.finish(usage, '0.1');
    const evs = events(out);
    expect(evs.map((e) => e.event)).toEqual([
      'message_start',
      'content_block_start',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'content_block_start',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    expect(evs[0]!.data).toMatchObject({ message: { usage: { input_tokens: 7 } } });
    expect(evs[5]!.data).toMatchObject({ index: 1, content_block: { type: 'tool_use', id: 't1', name: 'f' } });
    expect(evs[6]!.data).toMatchObject({ delta: { type: 'input_json_delta', partial_json: '{"a":1}' } });
    expect(evs[8]!.data).toMatchObject({
      delta: { stop_reason: 'tool_use' },
      usage: { output_tokens: 4, input_tokens: 8 },
    });
    expect(events(w.error(gatewayError(504, 'x', 'slow')))[0]).toEqual({
      event: 'error',
      data: { type: 'error', error: { type: 'timeout_error', message: 'slow' } },
    });
  });
});
