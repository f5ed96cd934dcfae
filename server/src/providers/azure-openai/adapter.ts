// The `azure-openai` provider type: OpenAI's bodies and responses at Azure's URLs
// ({base}/openai/deployments/{deployment}/chat/completions?api-version=…) with an `api-key` header.
// The upstream model name of a deployment is the Azure deployment name.
import type { ChatRequest, ProviderAdapter, ProviderEndpoint, UpstreamRequest } from '../ports.js';
import { joinUrl } from '../common/url.js';
import { openAIBody } from '../openai/build-request.js';
import { parseOpenAIError } from '../openai/parse-error.js';
import {
  parseOpenAIChatResponse,
  parseOpenAICompletionsResponse,
  parseOpenAIEmbeddingsResponse,
} from '../openai/parse-response.js';
import { createOpenAICompletionsStreamParser, createOpenAIStreamParser } from '../openai/stream-parser.js';

/** Latest GA data-plane inference version at the time of writing; operators override per provider. */
export const AZURE_DEFAULT_API_VERSION = '2024-10-21';

export function azureUrl(
  p: ProviderEndpoint,
  deployment: string,
  op: 'chat/completions' | 'embeddings' | 'completions',
): string {
  // Operators paste either the resource endpoint or the endpoint with /openai appended.
  const base = p.baseUrl.replace(/\/+$/, '').replace(/\/openai$/, '');
  const version = encodeURIComponent(p.apiVersion ?? AZURE_DEFAULT_API_VERSION);
  return `${joinUrl(base, `/openai/deployments/${encodeURIComponent(deployment)}/${op}`)}?api-version=${version}`;
}

function headers(p: ProviderEndpoint): Record<string, string> {
  const h: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json', ...p.headers };
  if (p.apiKey) h['api-key'] = p.apiKey;
  return h;
}

function post(url: string, p: ProviderEndpoint, body: Record<string, unknown>): UpstreamRequest {
  return { url, method: 'POST', headers: headers(p), body: JSON.stringify(body) };
}

export const azureOpenAIAdapter: ProviderAdapter = {
  type: 'azure-openai',
  buildChatRequest: (p: ProviderEndpoint, deployment: string, req: ChatRequest) =>
    post(azureUrl(p, deployment, 'chat/completions'), p, openAIBody(deployment, req)),
  parseChatResponse: parseOpenAIChatResponse,
  createStreamParser: createOpenAIStreamParser,
  buildEmbeddingsRequest: (p, deployment, req) => {
    const body: Record<string, unknown> = { ...req, model: deployment };
    delete body['provider'];
    return post(azureUrl(p, deployment, 'embeddings'), p, body);
  },
  parseEmbeddingsResponse: parseOpenAIEmbeddingsResponse,
  buildCompletionsRequest: (p, deployment, req) =>
    post(azureUrl(p, deployment, 'completions'), p, openAIBody(deployment, req)),
  parseCompletionsResponse: parseOpenAICompletionsResponse,
  createCompletionsStreamParser: createOpenAICompletionsStreamParser,
  parseError: parseOpenAIError,
};
