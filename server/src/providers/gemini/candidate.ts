// One Gemini candidate (or a streamed piece of it) → OpenAI message fields, and usageMetadata →
// normalised usage. Shared by the response and stream parsers.
import type { Usage } from '../ports.js';
import { arr, isObject, num, str, type Json } from '../common/json.js';
import { extraContentOf, signatureOfPart } from './thought-signature.js';

const FINISH: Record<string, string> = {
  STOP: 'stop',
  MAX_TOKENS: 'length',
  SAFETY: 'content_filter',
  RECITATION: 'content_filter',
  BLOCKLIST: 'content_filter',
  PROHIBITED_CONTENT: 'content_filter',
  SPII: 'content_filter',
  IMAGE_SAFETY: 'content_filter',
  MALFORMED_FUNCTION_CALL: 'stop',
};

export function finishReasonFromGemini(reason: unknown, hadToolCalls: boolean): string | null {
  if (typeof reason !== 'string' || reason === 'FINISH_REASON_UNSPECIFIED') return null;
  if (hadToolCalls && reason === 'STOP') return 'tool_calls';
  return FINISH[reason] ?? 'stop';
}

export interface CandidatePiece {
  text: string;
  hasText: boolean;
  /** `thoughtSignature`: Gemini 3's signature on the functionCall part, to be sent back with it */
  calls: { id: string; name: string; arguments: string; thoughtSignature?: string }[];
}

/** A function call of a candidate as an OpenAI tool call (its thought signature in extra_content). */
export function openAIToolCall(c: CandidatePiece['calls'][number]): Json {
  const call: Json = { id: c.id, type: 'function', function: { name: c.name, arguments: c.arguments } };
  if (c.thoughtSignature) call['extra_content'] = extraContentOf(c.thoughtSignature);
  return call;
}

/** Text (without "thought" parts, which are reasoning summaries) and function calls of a candidate.
 *  `callIdPrefix` makes ids for calls Gemini did not number. */
export function readCandidate(candidate: Json, callIdPrefix: string, firstCallNo: number): CandidatePiece {
  const content = isObject(candidate['content']) ? candidate['content'] : {};
  let text = '';
  let hasText = false;
  const calls: CandidatePiece['calls'] = [];
  for (const part of arr(content['parts'])) {
    if (!isObject(part) || part['thought'] === true) continue;
    if (typeof part['text'] === 'string') {
      text += part['text'];
      hasText = true;
    } else if (isObject(part['functionCall'])) {
      const fc = part['functionCall'];
      const thoughtSignature = signatureOfPart(part);
      calls.push({
        id: str(fc['id']) ?? `${callIdPrefix}${firstCallNo + calls.length}`,
        name: str(fc['name']) ?? '',
        arguments: JSON.stringify(fc['args'] ?? {}),
        ...(thoughtSignature ? { thoughtSignature } : {}),
      });
    }
  }
  return { text, hasText, calls };
}

/** Gemini counts thoughts apart from candidates; OpenAI's completion_tokens includes reasoning. */
export function usageFromGemini(meta: unknown): Usage | null {
  if (!isObject(meta)) return null;
  const thoughts = num(meta['thoughtsTokenCount']);
  return {
    promptTokens: num(meta['promptTokenCount']) + num(meta['toolUsePromptTokenCount']),
    completionTokens: num(meta['candidatesTokenCount']) + thoughts,
    cachedTokens: num(meta['cachedContentTokenCount']),
    cacheWriteTokens: 0,
    reasoningTokens: thoughts,
  };
}
