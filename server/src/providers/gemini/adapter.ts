// The `gemini` provider type: Google's Gemini API (generativelanguage.googleapis.com) with an
// `x-goog-api-key` header. Base URL: https://generativelanguage.googleapis.com (/v1beta is added
// when the URL has no version segment). Embeddings via batchEmbedContents; no legacy completions.
import type { ProviderAdapter, ProviderEndpoint, UpstreamRequest } from '../ports.js';
import { isObject, safeParse } from '../common/json.js';
import { providerError } from '../common/upstream-error.js';
import { joinUrl } from '../common/url.js';
import { buildGeminiChatRequest, geminiBase, geminiHeaders, geminiModelPath } from './build-request.js';
import { parseGeminiChatResponse, parseGeminiEmbeddingsResponse } from './parse-response.js';
import { createGeminiStreamParser } from './stream-parser.js';

export function buildGeminiEmbeddingsRequest(
  p: ProviderEndpoint,
  upstreamModel: string,
  req: Record<string, unknown>,
): UpstreamRequest {
  const inputs = Array.isArray(req['input']) ? req['input'] : [req['input']];
  const model = `models/${upstreamModel.replace(/^models\//, '')}`;
  const requests = inputs.map((text) => {
    const r: Record<string, unknown> = {
      model,
      content: { parts: [{ text: typeof text === 'string' ? text : JSON.stringify(text) }] },
    };
    if (typeof req['dimensions'] === 'number') r['outputDimensionality'] = req['dimensions'];
    return r;
  });
  return {
    url: joinUrl(geminiBase(p), `${geminiModelPath(upstreamModel)}:batchEmbedContents`),
    method: 'POST',
    headers: geminiHeaders(p),
    body: JSON.stringify({ requests }),
  };
}

/**
 * Gemini answers a wrong or revoked API key with 400 INVALID_ARGUMENT, reason API_KEY_INVALID in
 * the error's details: as a 401 the gateway treats the deployment as broken (next deployment,
 * circuit breaker) instead of blaming the client's request.
 */
function badApiKey(body: string): boolean {
  const details = (safeParse(body) as { error?: { details?: unknown } } | null)?.error?.details;
  return Array.isArray(details) && details.some((d) => isObject(d) && d['reason'] === 'API_KEY_INVALID');
}

export const geminiAdapter: ProviderAdapter = {
  type: 'gemini',
  buildChatRequest: buildGeminiChatRequest,
  parseChatResponse: parseGeminiChatResponse,
  createStreamParser: createGeminiStreamParser,
  buildEmbeddingsRequest: buildGeminiEmbeddingsRequest,
  parseEmbeddingsResponse: parseGeminiEmbeddingsResponse,
  // Gemini errors: {"error":{"code":429,"message":"…","status":"RESOURCE_EXHAUSTED"}}
  parseError: (status, body) => providerError(status === 400 && badApiKey(body) ? 401 : status, body),
};
