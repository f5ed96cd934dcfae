// Gemini GenerateContentResponse → canonical chat.completion.
import type { ChatResponse, ParseContext, Usage } from '../ports.js';
import { arr, isObject, num, str, type Json } from '../common/json.js';
import { UpstreamFormatError } from '../common/upstream-error.js';
import { usageToOpenAI } from '../common/usage.js';
import { finishReasonFromGemini, openAIToolCall, readCandidate, usageFromGemini } from './candidate.js';

export function parseGeminiChatResponse(
  body: unknown,
  publicModel: string,
  ctx?: ParseContext,
): { response: ChatResponse; usage: Usage | null } {
  if (!isObject(body) || (!Array.isArray(body['candidates']) && !isObject(body['promptFeedback']))) {
    throw new UpstreamFormatError('upstream returned no Gemini candidates');
  }
  const id = str(body['responseId']) ?? 'gemini-unknown';
  const choices = arr(body['candidates']).map((c, i) => {
    const cand: Json = isObject(c) ? c : {};
    const index = typeof cand['index'] === 'number' ? cand['index'] : i;
    const piece = readCandidate(cand, `call_${id}_${index}_`, 0);
    const message: Json = { role: 'assistant', content: piece.hasText || piece.calls.length === 0 ? piece.text : null };
    if (piece.calls.length > 0) {
      message['tool_calls'] = piece.calls.map(openAIToolCall);
    }
    return {
      index,
      message,
      logprobs: null,
      finish_reason: finishReasonFromGemini(cand['finishReason'], piece.calls.length > 0) ?? 'stop',
    };
  });
  if (choices.length === 0) {
    // The prompt itself was blocked (promptFeedback.blockReason): an empty, filtered answer.
    choices.push({
      index: 0,
      message: { role: 'assistant', content: '' },
      logprobs: null,
      finish_reason: 'content_filter',
    });
  }
  const usage = usageFromGemini(body['usageMetadata']);
  const response: ChatResponse = {
    id,
    object: 'chat.completion',
    created: ctx?.created ?? 0,
    model: publicModel,
    choices,
  };
  if (usage) response.usage = usageToOpenAI(usage);
  return { response, usage };
}

export function parseGeminiEmbeddingsResponse(
  body: unknown,
  publicModel: string,
): { response: Record<string, unknown>; usage: Usage | null } {
  if (!isObject(body) || !Array.isArray(body['embeddings']))
    throw new UpstreamFormatError('upstream returned no Gemini embeddings');
  const data = arr(body['embeddings']).map((e, index) => ({
    object: 'embedding',
    index,
    embedding: isObject(e) ? arr(e['values']) : [],
  }));
  // batchEmbedContents reports no token usage: the gateway estimates it.
  const tokens = isObject(body['usageMetadata']) ? num(body['usageMetadata']['promptTokenCount']) : 0;
  const usage: Usage | null =
    tokens > 0
      ? { promptTokens: tokens, completionTokens: 0, cachedTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 }
      : null;
  return {
    response: { object: 'list', data, model: publicModel, usage: { prompt_tokens: tokens, total_tokens: tokens } },
    usage,
  };
}
