// The gateway's failures as values, and the two wire envelopes clients expect: OpenAI's
// `{"error":{message,type,param,code}}` (/v1/chat/completions, embeddings, completions, models)
// and Anthropic's `{"type":"error","error":{type,message}}` (/v1/messages, rendered by
// providers/messages-api). Everything a gateway route can refuse with passes through here, so
// status conventions live in one file.
import { anthropicErrorBody } from '../providers/messages-api/index.js';
import { AppError } from '../shared/errors.js';

export interface GatewayError {
  status: number;
  /** Machine code in the envelope's `code` (OpenAI) — e.g. invalid_api_key, budget_exceeded. */
  code: string;
  message: string;
  /** The offending request field, when there is one. */
  param: string | null;
  headers?: Record<string, string>;
}

export const gatewayError = (
  status: number,
  code: string,
  message: string,
  param: string | null = null,
  headers?: Record<string, string>,
): GatewayError => (headers ? { status, code, message, param, headers } : { status, code, message, param });

export const badRequest = (param: string, message: string): GatewayError =>
  gatewayError(400, 'invalid_value', `${param}: ${message}`, param);

/** OpenAI's 404 for a model name it does not know; a name of any length is shown cut to 200 characters. */
export function modelNotFound(name: string): GatewayError {
  const shown = name.length > 200 ? `${name.slice(0, 200)}…` : name;
  return gatewayError(
    404,
    'model_not_found',
    `The model \`${shown}\` does not exist or you do not have access to it.`,
    'model',
  );
}

/** An AppError from another module (budget refusal, catalog…) as a gateway error. */
export function fromAppError(e: AppError): GatewayError {
  const field = typeof e.details?.['field'] === 'string' ? (e.details['field'] as string) : null;
  const message = e.status >= 500 ? 'internal error' : e.message;
  return gatewayError(e.status, e.code, message, field, e.headers);
}

/** Anything thrown inside a gateway route (framework errors included) → a safe GatewayError. */
export function toGatewayError(error: unknown): GatewayError {
  if (error instanceof AppError) return fromAppError(error);
  const fe = error as { code?: string; statusCode?: number; message?: string };
  switch (fe.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return gatewayError(413, 'payload_too_large', 'request body is too large');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return gatewayError(400, 'invalid_json', 'request body is empty');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return gatewayError(415, 'unsupported_media_type', 'send the body as application/json');
  }
  if (error instanceof SyntaxError) return gatewayError(400, 'invalid_json', 'request body is not valid JSON');
  const status = fe.statusCode;
  if (status !== undefined && status >= 400 && status < 500) {
    return gatewayError(status, 'invalid_request', fe.message ?? 'bad request');
  }
  return gatewayError(500, 'internal_error', 'internal error');
}

function openAiType(e: GatewayError): string {
  switch (e.status) {
    case 401:
      return 'authentication_error';
    case 402:
      return 'insufficient_quota';
    case 403:
      return 'permission_error';
    case 429:
      return 'rate_limit_error';
    default:
      return e.status >= 500 ? 'server_error' : 'invalid_request_error';
  }
}

export function openAiErrorBody(e: GatewayError): string {
  return JSON.stringify({ error: { message: e.message, type: openAiType(e), param: e.param, code: e.code } });
}

/** How a route renders errors: chosen once per route, used for both responses and stream events. */
export type ErrorFlavor = 'openai' | 'anthropic';

export const errorBody = (flavor: ErrorFlavor, e: GatewayError): string =>
  flavor === 'anthropic' ? JSON.stringify(anthropicErrorBody(e.status, e.message)) : openAiErrorBody(e);
