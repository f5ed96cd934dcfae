// The `echo` provider type — DEMO ONLY, no network. Requests are built like OpenAI's (so the same
// body rules apply) against a pseudo URL `echo://<provider-id>/…`; the gateway sees `simulate` on
// the adapter and calls it instead of sending the request, then parses the answer with the OpenAI
// parsers like any upstream's. Usage is counted by the tokenizer (deterministic for a given input).
import type { ChatRequest, ProviderAdapter, ProviderEndpoint, UpstreamRequest } from '../ports.js';
import { openAIBody } from '../openai/build-request.js';
import { parseOpenAIError } from '../openai/parse-error.js';
import { parseOpenAIChatResponse, parseOpenAIEmbeddingsResponse } from '../openai/parse-response.js';
import { createOpenAIStreamParser } from '../openai/stream-parser.js';
import { simulateEcho } from './echo-upstream.js';

function pseudo(p: ProviderEndpoint, path: string, body: Record<string, unknown>): UpstreamRequest {
  return {
    url: `echo://${encodeURIComponent(p.id)}${path}`,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  };
}

export const echoAdapter: ProviderAdapter = {
  type: 'echo',
  buildChatRequest: (p: ProviderEndpoint, upstreamModel: string, req: ChatRequest) =>
    pseudo(p, '/chat/completions', openAIBody(upstreamModel, req)),
  parseChatResponse: parseOpenAIChatResponse,
  createStreamParser: createOpenAIStreamParser,
  buildEmbeddingsRequest: (p, upstreamModel, req) => pseudo(p, '/embeddings', { ...req, model: upstreamModel }),
  parseEmbeddingsResponse: parseOpenAIEmbeddingsResponse,
  parseError: parseOpenAIError,
  simulate: simulateEcho,
};
