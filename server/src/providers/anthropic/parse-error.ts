// Anthropic error bodies: `{"type":"error","error":{"type":"overloaded_error","message":"…"}}`.
// 529 overloaded is retryable like any 5xx; the error type also flags a few retryable cases that
// may arrive with other statuses (mid-stream error events carry no status at all).
import type { ProviderError } from '../ports.js';
import { isObject, safeParse, str } from '../common/json.js';
import { errorMessageOf, isRetryableStatus } from '../common/upstream-error.js';

const STATUS_OF_TYPE: Record<string, number> = {
  invalid_request_error: 400,
  authentication_error: 401,
  permission_error: 403,
  not_found_error: 404,
  request_too_large: 413,
  rate_limit_error: 429,
  api_error: 500,
  timeout_error: 504,
  overloaded_error: 529,
};

export function anthropicErrorType(body: string): string | undefined {
  const parsed = safeParse(body);
  return isObject(parsed) && isObject(parsed['error']) ? str(parsed['error']['type']) : undefined;
}

export function parseAnthropicError(status: number, body: string): ProviderError {
  const type = anthropicErrorType(body);
  const retryable =
    isRetryableStatus(status) || type === 'overloaded_error' || type === 'rate_limit_error' || type === 'api_error';
  return { status, message: errorMessageOf(body), retryable };
}

/** Status for an `event: error` frame inside a 200 stream (it has only a type). */
export function statusOfAnthropicErrorType(type: string | undefined): number {
  return (type && STATUS_OF_TYPE[type]) || 502;
}
