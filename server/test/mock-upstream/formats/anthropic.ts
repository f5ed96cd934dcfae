// The mock's Anthropic Messages wire format. Anthropic's input_tokens excludes cache reads and
// writes, and it reports no separate reasoning count.
import { MOCK_TOOL_CALL, mockPieces, mockText, type MockBehavior } from '../behavior.js';
import type { TokenCounts } from '../../../src/pricing/ports.js';
import { sse, type ReplyInput, type WireFormat } from './types.js';

const ID = 'msg_mock01';

function inputUsage(u: TokenCounts): Record<string, number> {
  return {
    input_tokens: u.promptTokens - u.cachedTokens - u.cacheWriteTokens,
    cache_creation_input_tokens: u.cacheWriteTokens,
    cache_read_input_tokens: u.cachedTokens,
  };
}

const ERROR_TYPE: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  404: 'not_found_error',
  429: 'rate_limit_error',
  500: 'api_error',
  529: 'overloaded_error',
  503: 'overloaded_error',
};

function stopOf(b: MockBehavior): { stop_reason: string; stop_sequence: string | null } {
  if (b.toolCall) return { stop_reason: 'tool_use', stop_sequence: null };
  if (b.stopSequence !== undefined) return { stop_reason: 'stop_sequence', stop_sequence: b.stopSequence };
  return { stop_reason: 'end_turn', stop_sequence: null };
}

export const anthropicFormat: WireFormat = {
  chat({ model, behavior, usage }: ReplyInput) {
    const content = behavior.toolCall
      ? [
          {
            type: 'tool_use',
            id: MOCK_TOOL_CALL.id,
            name: MOCK_TOOL_CALL.name,
            input: JSON.parse(MOCK_TOOL_CALL.arguments) as unknown,
          },
        ]
      : [{ type: 'text', text: mockText(behavior) }];
    const body: Record<string, unknown> = {
      id: ID,
      type: 'message',
      role: 'assistant',
      model,
      content,
      ...stopOf(behavior),
    };
    if (!behavior.noUsage) body['usage'] = { ...inputUsage(usage), output_tokens: usage.completionTokens };
    return body;
  },
  stream({ model, behavior, usage }: ReplyInput) {
    const startUsage = behavior.noUsage ? {} : { usage: { ...inputUsage(usage), output_tokens: 1 } };
    const events = [
      sse(
        {
          type: 'message_start',
          message: {
            id: ID,
            type: 'message',
            role: 'assistant',
            model,
            content: [],
            stop_reason: null,
            stop_sequence: null,
            ...startUsage,
          },
        },
        'message_start',
      ),
      sse(
        {
          type: 'content_block_start',
          index: 0,
          content_block: behavior.toolCall
            ? { type: 'tool_use', id: MOCK_TOOL_CALL.id, name: MOCK_TOOL_CALL.name, input: {} }
            : { type: 'text', text: '' },
        },
        'content_block_start',
      ),
      sse({ type: 'ping' }, 'ping'),
    ];
    if (behavior.toolCall) {
      const args = MOCK_TOOL_CALL.arguments;
      const half = Math.floor(args.length / 2);
      for (const part of [args.slice(0, half), args.slice(half)]) {
        events.push(
          sse(
            { type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: part } },
            'content_block_delta',
          ),
        );
      }
    } else {
      for (const p of mockPieces(behavior))
        events.push(
          sse({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: p } }, 'content_block_delta'),
        );
    }
    events.push(sse({ type: 'content_block_stop', index: 0 }, 'content_block_stop'));
    const delta = {
      type: 'message_delta',
      delta: stopOf(behavior),
    };
    events.push(
      sse(behavior.noUsage ? delta : { ...delta, usage: { output_tokens: usage.completionTokens } }, 'message_delta'),
    );
    events.push(sse({ type: 'message_stop' }, 'message_stop'));
    return { events, lead: 3 };
  },
  streamError(message: string) {
    return sse({ type: 'error', error: { type: 'overloaded_error', message } }, 'error');
  },
  error(status: number, message: string) {
    return {
      type: 'error',
      error: { type: ERROR_TYPE[status] ?? (status >= 500 ? 'api_error' : 'invalid_request_error'), message },
    };
  },
};
