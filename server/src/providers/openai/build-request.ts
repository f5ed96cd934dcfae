// OpenAI (and every OpenAI-compatible server) request building: the body is already canonical, so
// only the model name, auth and a few Tollgate-only fields change on the way out.
import type { ChatRequest, ProviderEndpoint, UpstreamRequest } from '../ports.js';
import { joinUrl } from '../common/url.js';

/** Fields meaningful to Tollgate only: `provider` is Tollgate's routing preference object (it
 *  names Tollgate deployments, not upstream ones). */
const TOLLGATE_ONLY = ['provider'] as const;

// Per endpoint, not per request: endpoints are immutable (the catalog builds new ones on change).
const headersByEndpoint = new WeakMap<ProviderEndpoint, Record<string, string>>();

export function openAIHeaders(p: ProviderEndpoint): Record<string, string> {
  let h = headersByEndpoint.get(p);
  if (!h) {
    h = { 'content-type': 'application/json', accept: 'application/json', ...p.headers };
    if (p.apiKey) h['authorization'] = `Bearer ${p.apiKey}`;
    headersByEndpoint.set(p, h);
  }
  return h;
}

/**
 * OpenAI's reasoning models (o1, o3, o4-mini, gpt-5…, also behind a router prefix such as
 * `openai/o3`) refuse `max_tokens` ("Unsupported parameter … use 'max_completion_tokens'"); other
 * OpenAI-compatible servers (Ollama, LM Studio…) read only `max_tokens`. So the field is renamed
 * for those models only.
 */
const REASONING_MODEL = /(^|\/)(o\d|gpt-5)/i;

/** The outgoing body: model replaced; streams always ask for the final usage chunk, because usage
 *  must come from the provider whenever it can (the gateway strips that chunk again when the
 *  client did not ask for it); `max_tokens` becomes `max_completion_tokens` for reasoning models. */
export function openAIBody(upstreamModel: string, req: Record<string, unknown>): Record<string, unknown> {
  // Copied key by key rather than spread-then-delete: `delete` turns the object into a slow
  // dictionary, which JSON.stringify then walks on every call. Same keys, same order.
  const stream = req['stream'] === true;
  const keepMetadata = req['store'] === true;
  const body: Record<string, unknown> = {};
  let sawModel = false;
  let sawOptions = false;
  for (const k in req) {
    if (!Object.hasOwn(req, k) || (TOLLGATE_ONLY as readonly string[]).includes(k)) continue;
    if (k === 'model') {
      body[k] = upstreamModel;
      sawModel = true;
    } else if (k === 'stream_options') {
      // OpenAI rejects stream_options on non-stream calls.
      if (stream) body[k] = streamOptions(req[k]);
      sawOptions = true;
    } else if (k === 'max_tokens' && REASONING_MODEL.test(upstreamModel)) {
      // A request that names both keeps its max_completion_tokens.
      if (req['max_completion_tokens'] === undefined) body['max_completion_tokens'] = req[k];
    } else if (k === '__proto__') {
      // A JSON key like any other (a plain assignment would set the prototype instead).
      Object.defineProperty(body, k, { value: req[k], enumerable: true, writable: true, configurable: true });
    } else if (k !== 'metadata' || keepMetadata) {
      // OpenAI rejects `metadata` unless the completion is stored; Tollgate uses it for attribution.
      body[k] = req[k];
    }
  }
  if (!sawModel) body['model'] = upstreamModel;
  if (stream && !sawOptions) body['stream_options'] = streamOptions(undefined);
  return body;
}

function streamOptions(so: unknown): Record<string, unknown> {
  return typeof so === 'object' && so !== null ? { ...so, include_usage: true } : { include_usage: true };
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
