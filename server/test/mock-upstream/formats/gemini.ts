// The mock's Gemini wire format. Gemini counts thoughts apart from candidates and has no cache
// writes; promptTokenCount includes cached content.
import { MOCK_THOUGHT_SIGNATURE, MOCK_TOOL_CALL, mockPieces, mockText } from '../behavior.js';
import type { TokenCounts } from '../../../src/pricing/ports.js';
import { sse, type ReplyInput, type WireFormat } from './types.js';

const RESPONSE_ID = 'mock-response-1';

function usageMetadata(u: TokenCounts): Record<string, number> {
  const m: Record<string, number> = {
    promptTokenCount: u.promptTokens,
    candidatesTokenCount: u.completionTokens - u.reasoningTokens,
    totalTokenCount: u.promptTokens + u.completionTokens,
  };
  if (u.cachedTokens > 0) m['cachedContentTokenCount'] = u.cachedTokens;
  if (u.reasoningTokens > 0) m['thoughtsTokenCount'] = u.reasoningTokens;
  return m;
}

const STATUS_NAME: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

const toolPart = () => ({
  functionCall: {
    id: MOCK_TOOL_CALL.id,
    name: MOCK_TOOL_CALL.name,
    args: JSON.parse(MOCK_TOOL_CALL.arguments) as unknown,
  },
  thoughtSignature: MOCK_THOUGHT_SIGNATURE,
});

/**
 * Gemini 3's check of a request (ai.google.dev/gemini-api/docs/thought-signatures): in the current
 * turn (the contents after the last user message with text), the first functionCall part of each
 * model step must carry its thoughtSignature. The message names what is wrong, or null when valid.
 */
export function missingThoughtSignature(body: Record<string, unknown>): string | null {
  type Part = { text?: unknown; functionCall?: { name?: unknown }; thoughtSignature?: unknown };
  const contents = Array.isArray(body['contents']) ? (body['contents'] as { role?: unknown; parts?: Part[] }[]) : [];
  let start = 0;
  contents.forEach((c, i) => {
    if (c.role === 'user' && (c.parts ?? []).some((p) => typeof p.text === 'string')) start = i + 1;
  });
  for (let i = start; i < contents.length; i++) {
    const c = contents[i]!;
    if (c.role !== 'model') continue;
    const first = (c.parts ?? []).find((p) => p.functionCall);
    if (first && typeof first.thoughtSignature !== 'string')
      return `Function call is missing a thought_signature in functionCall parts. Additional data, function call \`default_api:${String(first.functionCall?.name)}\` , position ${i + 1}. Please refer to https://ai.google.dev/gemini-api/docs/thought-signatures for more details.`;
  }
  return null;
}

export const geminiFormat: WireFormat = {
  chat({ model, behavior, usage }: ReplyInput) {
    const parts = behavior.toolCall ? [toolPart()] : [{ text: mockText(behavior) }];
    const body: Record<string, unknown> = {
      candidates: [{ content: { role: 'model', parts }, finishReason: 'STOP', index: 0 }],
      modelVersion: model,
      responseId: RESPONSE_ID,
    };
    if (!behavior.noUsage) body['usageMetadata'] = usageMetadata(usage);
    return body;
  },
  stream({ model, behavior, usage }: ReplyInput) {
    const pieces: unknown[][] = behavior.toolCall ? [[toolPart()]] : mockPieces(behavior).map((text) => [{ text }]);
    const events = pieces.map((parts, i) => {
      const last = i === pieces.length - 1;
      const ev: Record<string, unknown> = {
        candidates: [{ content: { role: 'model', parts }, index: 0, ...(last ? { finishReason: 'STOP' } : {}) }],
        modelVersion: model,
        responseId: RESPONSE_ID,
      };
      if (last && !behavior.noUsage) ev['usageMetadata'] = usageMetadata(usage);
      return sse(ev);
    });
    return { events, lead: 0 };
  },
  // Gemini's SSE stream carries the same error object as its error bodies.
  streamError(message: string) {
    return sse(geminiFormat.error(503, message));
  },
  error(status: number, message: string) {
    return {
      error: {
        code: status,
        message,
        status: STATUS_NAME[status] ?? (status >= 500 ? 'INTERNAL' : 'FAILED_PRECONDITION'),
      },
    };
  },
};

export function geminiEmbeddings(count: number, dims: number): unknown {
  const values = Array.from({ length: dims }, (_, i) => Math.round(((i + 1) / (dims + 1)) * 1e6) / 1e6);
  return { embeddings: Array.from({ length: count }, () => ({ values })) };
}
