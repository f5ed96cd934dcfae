// OpenAI (and every OpenAI-compatible server) request building: the body is already canonical, so
// only the model name, auth and a few Tollgate-only fields change on the way out.
import type { ChatRequest, ProviderEndpoint, UpstreamRequest } from '../ports.js';
import { joinUrl } from '../common/url.js';

/** Fields meaningful to Tollgate only: `provider` is Tollgate's routing preference object (it
 *  names Tollgate deployments, not upstream ones). */
const TOLLGATE_ONLY = ['provider'] as const;

export function openAIHeaders(p: ProviderEndpoint): Record<string, string> {
  const h: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json', ...p.headers };
  if (p.apiKey) h['authorization'] = `Bearer ${p.apiKey}`;
  return h;
}

/** The outgoing body: model replaced; streams always ask for the final usage chunk, because usage
 *  must come from the provider whenever it can (the gateway strips that chunk again when the
 *  client did not ask for it). */
export function openAIBody(upstreamModel: string, req: Record<string, unknown>): Record<string, unknown> {
  const body: Record<string, unknown> = { ...req, model: upstreamModel };
  for (const k of TOLLGATE_ONLY) delete body[k];
  // OpenAI rejects `metadata` unless the completion is stored; Tollgate uses it for attribution.
  if (body['store'] !== true) delete body['metadata'];
  if (body['stream'] === true) {
    const so = typeof req['stream_options'] === 'object' && req['stream_options'] !== null ? req['stream_options'] : {};
    body['stream_options'] = { ...so, include_usage: true };
  } else {
    delete body['stream_options'];
  }
  return body;
}

function post(url: string, p: ProviderEndpoint, body: unknown): UpstreamRequest {
  return { url, method: 'POST', headers: openAIHeaders(p), body: JSON.stringify(body) };
}

export function buildOpenAIChatRequest(p: ProviderEndpoint, upstreamModel: string, req: ChatRequest): UpstreamRequest {
  return post(joinUrl(p.baseUrl, '/chat/completions'), p, openAIBody(upstreamModel, req));
}

export function buildOpenAIEmbeddingsRequest(
  p: ProviderEndpoint,
  upstreamModel: string,
  req: Record<string, unknown>,
): UpstreamRequest {
  const body: Record<string, unknown> = { ...req, model: upstreamModel };
  for (const k of TOLLGATE_ONLY) delete body[k];
  return post(joinUrl(p.baseUrl, '/embeddings'), p, body);
}

export function buildOpenAICompletionsRequest(
  p: ProviderEndpoint,
  upstreamModel: string,
  req: Record<string, unknown>,
): UpstreamRequest {
  return post(joinUrl(p.baseUrl, '/completions'), p, openAIBody(upstreamModel, req));
}
