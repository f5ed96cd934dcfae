// The mock's OpenAI wire format (also Azure's): chat completions, streams, embeddings, legacy
// completions, errors.
import { MOCK_TOOL_CALL, mockPieces, mockText } from '../behavior.js';
import type { TokenCounts } from '../../../src/pricing/ports.js';
import { sse, type ReplyInput, type WireFormat } from './types.js';

const ID = 'chatcmpl-mock';
const CREATED = 1_700_000_000;

export function openAIUsage(u: TokenCounts): Record<string, unknown> {
  const prompt_tokens_details: Record<string, number> = { cached_tokens: u.cachedTokens };
  if (u.cacheWriteTokens > 0) prompt_tokens_details['cache_write_tokens'] = u.cacheWriteTokens;
  return {
    prompt_tokens: u.promptTokens,
    completion_tokens: u.completionTokens,
    total_tokens: u.promptTokens + u.completionTokens,
    prompt_tokens_details,
    completion_tokens_details: { reasoning_tokens: u.reasoningTokens },
  };
}

const chunk = (model: string, choices: unknown[], extra: Record<string, unknown> = {}): string =>
  sse({
    id: ID,
    object: 'chat.completion.chunk',
    created: CREATED,
    model,
    system_fingerprint: 'fp_mock',
    choices,
    ...extra,
  });

export const openAIFormat: WireFormat = {
  chat({ model, behavior, usage }: ReplyInput) {
    const message = behavior.toolCall
      ? {
          role: 'assistant',
          content: null,
          tool_calls: [
            {
              id: MOCK_TOOL_CALL.id,
              type: 'function',
              function: { name: MOCK_TOOL_CALL.name, arguments: MOCK_TOOL_CALL.arguments },
            },
          ],
        }
      : { role: 'assistant', content: mockText(behavior), refusal: null };
    const body: Record<string, unknown> = {
      id: ID,
      object: 'chat.completion',
      created: CREATED,
      model,
      system_fingerprint: 'fp_mock',
      choices: [{ index: 0, message, logprobs: null, finish_reason: behavior.toolCall ? 'tool_calls' : 'stop' }],
    };
    if (!behavior.noUsage) body['usage'] = openAIUsage(usage);
    return body;
  },
  stream({ model, behavior, usage, includeUsage }: ReplyInput) {
    const events = [
      chunk(
        model,
        [
          {
            index: 0,
            delta: { role: 'assistant', content: behavior.toolCall ? null : '' },
            logprobs: null,
            finish_reason: null,
          },
        ],
        includeUsage ? { usage: null } : {},
      ),
    ];
    if (behavior.toolCall) {
      const args = MOCK_TOOL_CALL.arguments;
      const half = Math.floor(args.length / 2);
      events.push(
        chunk(model, [
          {
            index: 0,
            delta: {
              tool_calls: [
                {
                  index: 0,
                  id: MOCK_TOOL_CALL.id,
                  type: 'function',
                  function: { name: MOCK_TOOL_CALL.name, arguments: '' },
                },
              ],
            },
            logprobs: null,
            finish_reason: null,
          },
        ]),
      );
      events.push(
        chunk(model, [
          {
            index: 0,
            delta: { tool_calls: [{ index: 0, function: { arguments: args.slice(0, half) } }] },
            logprobs: null,
            finish_reason: null,
          },
        ]),
      );
      events.push(
        chunk(model, [
          {
            index: 0,
            delta: { tool_calls: [{ index: 0, function: { arguments: args.slice(half) } }] },
            logprobs: null,
            finish_reason: null,
          },
        ]),
      );
    } else {
      for (const p of mockPieces(behavior))
        events.push(chunk(model, [{ index: 0, delta: { content: p }, logprobs: null, finish_reason: null }]));
    }
    events.push(
      chunk(model, [{ index: 0, delta: {}, logprobs: null, finish_reason: behavior.toolCall ? 'tool_calls' : 'stop' }]),
    );
    if (includeUsage && !behavior.noUsage) events.push(chunk(model, [], { usage: openAIUsage(usage) }));
    events.push('data: [DONE]\n\n');
    return { events, lead: 1 };
  },
  // OpenAI ends a failing stream with a data line holding an error object (no event name).
  streamError(message: string) {
    return sse({ error: { message, type: 'server_error', param: null, code: null } });
  },
  error(status: number, message: string) {
    const type = status === 429 ? 'rate_limit_exceeded' : status >= 500 ? 'server_error' : 'invalid_request_error';
    return { error: { message, type, param: null, code: status === 429 ? 'rate_limit_exceeded' : null } };
  },
};

export function openAIEmbeddings(model: string, input: unknown, dims: number, u: TokenCounts): unknown {
  const inputs = Array.isArray(input) && input.length > 0 && typeof input[0] !== 'number' ? input : [input];
  const embedding = Array.from({ length: dims }, (_, i) => Math.round(((i + 1) / (dims + 1)) * 1e6) / 1e6);
  return {
    object: 'list',
    data: inputs.map((_, index) => ({ object: 'embedding', index, embedding })),
    model,
    usage: { prompt_tokens: u.promptTokens, total_tokens: u.promptTokens },
  };
}

export function openAICompletion({ model, behavior, usage }: ReplyInput): unknown {
  const body: Record<string, unknown> = {
    id: 'cmpl-mock',
    object: 'text_completion',
    created: CREATED,
    model,
    choices: [{ text: mockText(behavior), index: 0, logprobs: null, finish_reason: 'stop' }],
  };
  if (!behavior.noUsage)
    body['usage'] = {
      prompt_tokens: usage.promptTokens,
      completion_tokens: usage.completionTokens,
      total_tokens: usage.promptTokens + usage.completionTokens,
    };
  return body;
}

export function openAICompletionStream({ model, behavior, usage, includeUsage }: ReplyInput): {
  events: string[];
  lead: number;
} {
  const c = (choices: unknown[], extra: Record<string, unknown> = {}) =>
    sse({ id: 'cmpl-mock', object: 'text_completion', created: CREATED, model, choices, ...extra });
  const events = mockPieces(behavior).map((p, i, all) =>
    c([{ text: p, index: 0, logprobs: null, finish_reason: i === all.length - 1 ? 'stop' : null }]),
  );
  if (includeUsage && !behavior.noUsage)
    events.push(
      c([], {
        usage: {
          prompt_tokens: usage.promptTokens,
          completion_tokens: usage.completionTokens,
          total_tokens: usage.promptTokens + usage.completionTokens,
        },
      }),
    );
  events.push('data: [DONE]\n\n');
  return { events, lead: 0 };
}
