// The admin API's one error mapping: AppError codes, validation failures and framework errors
// become `{error:{code,message,requestId}}` with the right status; 5xx details never leave.
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { AppError, ERROR_STATUS, type ErrorCode } from '../shared/errors.js';

export interface ErrorBody {
  error: { code: string; message: string; requestId: string; field?: string; details?: Record<string, unknown> };
}

/** Translate anything thrown into an AppError (unknown errors become `internal`). */
export function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  if (hasZodFastifySchemaValidationErrors(error)) {
    const first = error.validation[0];
    const field = first ? first.instancePath.replace(/^\//, '').replace(/\//g, '.') : '';
    const where = (error as { validationContext?: string }).validationContext ?? 'body';
    const name = field || where;
    return new AppError('validation_error', `${name}: ${first?.message ?? 'invalid'}`, {
      field: name,
      location: where,
      issues: error.validation.map((v) => ({ path: v.instancePath, message: v.message })),
    });
  }
  const fe = error as Partial<FastifyError> & { status?: number };
  const code = fe.code ?? '';
  // Router refusals (frameworkErrors): the path is not echoed, it may be kilobytes long.
  if (code === 'FST_ERR_BAD_URL')
    return new AppError('validation_error', 'url: the path is not valid percent-encoding', { field: 'url' });
  if (code === 'FST_ERR_MAX_PARAM_LENGTH')
    return new AppError('uri_too_long', 'a path parameter is too long to be an id');
  if (code === 'FST_ERR_CTP_BODY_TOO_LARGE') return new AppError('payload_too_large', 'request body is too large');
  if (code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE')
    return new AppError('unsupported_media_type', 'unsupported content type; send application/json');
  if (code === 'FST_ERR_CTP_EMPTY_JSON_BODY') return new AppError('invalid_json', 'request body is empty');
  if (code === 'FST_ERR_CTP_INVALID_JSON_BODY' || error instanceof SyntaxError)
    return new AppError('invalid_json', 'request body is not valid JSON');
  const status = fe.statusCode ?? fe.status;
  if (status && status >= 400 && status < 500) {
    const match = (Object.entries(ERROR_STATUS) as [ErrorCode, number][]).find(([, s]) => s === status);
    return new AppError(match?.[0] ?? 'validation_error', fe.message ?? 'bad request');
  }
  return new AppError('internal', 'internal error');
}

export function adminErrorHandler(error: unknown, request: FastifyRequest, reply: FastifyReply): void {
  const app = toAppError(error);
  if (app.status >= 500) request.log.error({ err: error }, 'request failed');
  else request.log.info({ code: app.code, msg: app.message }, 'request refused');
  if (app.headers) void reply.headers(app.headers);
  const body: ErrorBody = {
    error: {
      code: app.code,
      message: app.status >= 500 ? 'internal error' : app.message,
      requestId: String(request.id),
      ...(typeof app.details?.['field'] === 'string' ? { field: app.details['field'] } : {}),
      ...(app.details && app.status < 500 ? { details: app.details } : {}),
    },
  };
  void reply.status(app.status).send(body);
}
