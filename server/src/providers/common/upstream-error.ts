// Upstream failures as values the gateway can route on: one retryability rule for every provider,
// and the typed exception thrown when a 2xx body is not the provider's documented shape.
import type { ProviderError } from '../ports.js';
import { isObject, safeParse, str } from './json.js';

/** 408 timeout, 409 conflict/lock, 429 rate limit, 5xx (incl. Anthropic's 529 overloaded). */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 429 || status >= 500;
}

const MAX_MESSAGE = 500;

/** The human message inside an error body: OpenAI, Anthropic and Gemini all use `error.message`;
 *  some compatible servers send `{error: "text"}`, `{message}` or `{detail}`. */
export function errorMessageOf(body: string): string {
  const parsed = safeParse(body);
  const pick = (v: unknown): string | undefined => {
    if (Array.isArray(v)) return pick(v[0]); // Gemini stream errors may arrive wrapped in an array
    if (!isObject(v)) return undefined;
    const e = v['error'];
    if (typeof e === 'string') return e;
    if (isObject(e)) return str(e['message']) ?? str(e['type']);
    return str(v['message']) ?? str(v['detail']);
  };
  const msg = pick(parsed) ?? (body.trim() || 'upstream error');
  return msg.length > MAX_MESSAGE ? `${msg.slice(0, MAX_MESSAGE)}…` : msg;
}

export function providerError(status: number, body: string, retryable = isRetryableStatus(status)): ProviderError {
  return { status, message: errorMessageOf(body), retryable };
}

/** A 2xx answer that is not what the provider documents (garbage, HTML from a proxy…). Thrown by
 *  parse*Response; the gateway maps it to 502 and may try another deployment. */
export class UpstreamFormatError extends Error {
  readonly providerError: ProviderError;
  constructor(message: string) {
    super(message);
    this.name = 'UpstreamFormatError';
    this.providerError = { status: 502, message, retryable: true };
  }
}
