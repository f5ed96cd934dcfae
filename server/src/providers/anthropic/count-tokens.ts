// Anthropic's token counting (POST /v1/messages/count_tokens): the Messages request the chat
// adapter would send, reduced to the fields the endpoint takes — it refuses the rest (max_tokens,
// stream, temperature, …) — and its answer `{"input_tokens": n}`. Free at Anthropic; exact for
// Claude models, where the gateway's offline tokenizer is only an estimate.
import type { ChatRequest, ProviderEndpoint, UpstreamRequest } from '../ports.js';
import { UpstreamFormatError } from '../common/upstream-error.js';
import { endsWithVersion, joinUrl } from '../common/url.js';
import { anthropicHeaders, toAnthropicBody } from './build-request.js';

const COUNTED_FIELDS = ['model', 'messages', 'system', 'tools', 'tool_choice', 'thinking'] as const;

export function buildAnthropicCountTokensRequest(
  p: ProviderEndpoint,
  upstreamModel: string,
  req: ChatRequest,
): UpstreamRequest {
  const full = toAnthropicBody(upstreamModel, req) as Record<string, unknown>;
  const body: Record<string, unknown> = {};
  for (const k of COUNTED_FIELDS) if (full[k] !== undefined) body[k] = full[k];
  return {
    url: joinUrl(p.baseUrl, endsWithVersion(p.baseUrl) ? '/messages/count_tokens' : '/v1/messages/count_tokens'),
    method: 'POST',
    headers: anthropicHeaders(p),
    body: JSON.stringify(body),
  };
}

export function parseAnthropicCountTokensResponse(body: unknown): number {
  const n = (body as { input_tokens?: unknown } | null)?.input_tokens;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0)
    throw new UpstreamFormatError('upstream returned no input_tokens count');
  return n;
}
