// OpenAI responses → canonical responses. The body already is canonical; we check its shape, hide
// the upstream model name behind the public one and extract usage.
import type { ChatResponse, ParseContext, Usage } from '../ports.js';
import { arr, isObject, num, str } from '../common/json.js';
import { UpstreamFormatError } from '../common/upstream-error.js';
import { usageFromOpenAI } from '../common/usage.js';

export function parseOpenAIChatResponse(
  body: unknown,
  publicModel: string,
  ctx?: ParseContext,
): { response: ChatResponse; usage: Usage | null } {
  if (!isObject(body) || !Array.isArray(body['choices'])) {
    throw new UpstreamFormatError('upstream returned no chat completion');
  }
  const response: ChatResponse = {
    ...body,
    id: str(body['id']) ?? 'chatcmpl-unknown',
    object: 'chat.completion',
    created: num(body['created']) || (ctx?.created ?? 0),
    model: publicModel,
    choices: body['choices'],
  };
  const usage = usageFromOpenAI(body['usage']);
  if (usage === null) delete response.usage;
  return { response, usage };
}

export function parseOpenAIEmbeddingsResponse(
  body: unknown,
  publicModel: string,
): { response: Record<string, unknown>; usage: Usage | null } {
  if (!isObject(body) || !Array.isArray(body['data'])) {
    throw new UpstreamFormatError('upstream returned no embeddings');
  }
  const usage = usageFromOpenAI(body['usage']);
  return { response: { ...body, object: 'list', model: publicModel, data: arr(body['data']) }, usage };
}

export function parseOpenAICompletionsResponse(
  body: unknown,
  publicModel: string,
): { response: Record<string, unknown>; usage: Usage | null } {
  if (!isObject(body) || !Array.isArray(body['choices'])) {
    throw new UpstreamFormatError('upstream returned no completion');
  }
  return { response: { ...body, model: publicModel }, usage: usageFromOpenAI(body['usage']) };
}
