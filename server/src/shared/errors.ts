// The one error family. Expected failures carry a code from this fixed list; each HTTP surface
// maps codes to a status in one place (admin API: http/error-handler.ts; gateway: its own envelope).

export const ERROR_STATUS = {
  validation_error: 400,
  invalid_json: 400,
  unauthorized: 401,
  invalid_api_key: 401,
  token_expired: 401,
  insufficient_quota: 402,
  budget_exceeded: 402,
  insufficient_balance: 402,
  key_budget_exceeded: 402,
  user_budget_exceeded: 402,
  agent_budget_exceeded: 402,
  forbidden: 403,
  model_not_allowed: 403,
  not_found: 404,
  model_not_found: 404,
  conflict: 409,
  idempotency_conflict: 409,
  payload_too_large: 413,
  uri_too_long: 414,
  unsupported_media_type: 415,
  unprocessable: 422,
  model_not_priced: 422,
  account_locked: 423,
  rate_limited: 429,
  internal: 500,
  upstream_error: 502,
  upstream_unavailable: 503,
  upstream_timeout: 504,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export class AppError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
    /** Extra response headers, e.g. Retry-After for 429 / account_locked. */
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.status = ERROR_STATUS[code];
  }
}

export const notFound = (what: string): AppError => new AppError('not_found', `${what} not found`);
export const forbidden = (message = 'not allowed for your role'): AppError => new AppError('forbidden', message);
export const conflict = (message: string): AppError => new AppError('conflict', message);
export const invalid = (field: string, message: string): AppError =>
  new AppError('validation_error', `${field}: ${message}`, { field });

/** Expected failures as values: `Result<T>` for hot-path code that must not throw. */
export type Result<T, E = AppError> = { ok: true; value: T } | { ok: false; error: E };
export const ok = <T>(value: T): Result<T, never> => ({ ok: true, value });
export const err = <E>(error: E): Result<never, E> => ({ ok: false, error });
