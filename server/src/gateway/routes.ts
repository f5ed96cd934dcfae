// The gateway's Fastify plugin: the /v1 model endpoints in an encapsulated scope with their own
// JSON parser (no schema validation on the hot path), body limit (GATEWAY_BODY_LIMIT_BYTES → 413),
// API-key authentication before the body is read, and an error handler that answers in OpenAI's
// envelope (Anthropic's on /v1/messages). Plus GET /metrics for operators.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { newId } from '../shared/ids.js';
import { jsonTextDeeperThan } from '../shared/json-depth.js';
import { parseCountTokensRequest, parseMessagesRequest } from '../providers/messages-api/index.js';
import { anthropicDialect } from './anthropic-dialect.js';
import { attributionOf, badAttributionHeader } from './attribution.js';
import { handleChatCall } from './chat-call.js';
import { handleCountTokens } from './count-tokens.js';
import type { GatewayDeps } from './deps.js';
import { gatewayError, modelNotFound, toGatewayError, type ErrorFlavor } from './gateway-error.js';
import { authenticateRequest } from './key-auth.js';
import { getModel, listModels } from './models-handler.js';
import { openAiDialect } from './openai-dialect.js';
import { checkChatRequest, checkCompletionsRequest, checkEmbeddingsRequest } from './request-checks.js';
import { callerOf, sendError } from './request-context.js';
import { handleSimpleCall } from './simple-call.js';

const INVALID_JSON = Object.assign(new SyntaxError('request body is not valid JSON'), { statusCode: 400 });
/**
 * Deeper bodies are refused before parsing: recursive code downstream (token estimates, the
 * content hash of `metadata`, JSON.stringify) would overflow the stack on them. No provider
 * request needs more (JSON schemas included).
 */
export const MAX_BODY_DEPTH = 64;
const TOO_DEEP = Object.assign(new Error(`body: nested deeper than ${MAX_BODY_DEPTH} levels`), { statusCode: 400 });

function decodeModelName(raw: string): string | null {
  try {
    return decodeURIComponent(raw);
  } catch {
    return null;
  }
}

const CORS_HEADERS = [
  'access-control-allow-origin',
  'access-control-allow-credentials',
  'access-control-expose-headers',
  'vary',
];

function copyCorsHeaders(_request: FastifyRequest, reply: FastifyReply, done: () => void): void {
  for (const h of CORS_HEADERS) {
    const v = reply.getHeader(h);
    if (v !== undefined) reply.raw.setHeader(h, v);
  }
  done();
}

const flavorOf = (request: FastifyRequest): ErrorFlavor => request.routeOptions.config?.gatewayFlavor ?? 'openai';

export function gatewayRoutes(deps: GatewayDeps) {
  const bodyLimit = deps.config.GATEWAY_BODY_LIMIT_BYTES;
  const modelsCreated = Math.floor(deps.clock.now() / 1000);

  async function v1(scope: FastifyInstance): Promise<void> {
    scope.decorateRequest('gatewayCaller', null);
    scope.decorateRequest('gatewayT0', 0);
    scope.decorateRequest('gatewayStartedAt', 0);
    scope.removeAllContentTypeParsers();
    // Any content type is read as JSON: SDKs send application/json, curl users often forget it.
    scope.addContentTypeParser('*', { parseAs: 'string', bodyLimit }, (_req, body, done) => {
      if (body === '') return done(null, undefined);
      if (jsonTextDeeperThan(body as string, MAX_BODY_DEPTH)) return done(TOO_DEEP, undefined);
      try {
        done(null, JSON.parse(body as string));
      } catch {
        done(INVALID_JSON, undefined);
      }
    });
    scope.setErrorHandler((error, request, reply) => {
      const e = toGatewayError(error);
      if (e.status >= 500) request.log.error({ err: error, requestId: request.id }, 'gateway request failed');
      deps.metrics.request(request.routeOptions.url ?? 'unknown', e.status);
      return sendError(reply, flavorOf(request), e);
    });
    // The CORS plugin (http/app.ts, when CORS_ORIGINS is set) puts its headers on Fastify's reply;
    // successful gateway answers are written straight to the socket (request-context.ts sendJson,
    // the stream relay), so the headers are copied to the raw response, which writeHead merges.
    if (deps.config.CORS_ORIGINS) scope.addHook('onRequest', copyCorsHeaders);
    // Authenticate before the body is read: an unauthenticated caller cannot make us parse 8 MiB.
    scope.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
      request.gatewayT0 = performance.now();
      const now = deps.clock.now();
      request.gatewayStartedAt = now;
      // The request id is the billing idempotency key: never let a client choose it.
      if (request.headers['x-request-id'] !== undefined) request.id = newId('req', now);
      const auth = await authenticateRequest(deps.keys, request.headers, now);
      if (!auth.ok) {
        deps.metrics.refused(auth.error.code);
        deps.metrics.request(request.routeOptions.url ?? 'unknown', auth.error.status);
        return sendError(reply, flavorOf(request), auth.error);
      }
      const bad = badAttributionHeader(request.headers);
      if (bad) {
        deps.metrics.request(request.routeOptions.url ?? 'unknown', bad.status);
        return sendError(reply, flavorOf(request), bad);
      }
      request.gatewayCaller = auth.caller;
    });

    const post = { bodyLimit, config: { access: 'gateway' as const } };
    // The /v1/messages routes answer in Anthropic's error envelope.
    const anthropicRoute = (summary: string) => ({
      bodyLimit,
      config: { access: 'gateway' as const, gatewayFlavor: 'anthropic' as const },
      schema: { tags: ['gateway'], summary },
    });

    scope.post(
      '/v1/chat/completions',
      { ...post, schema: { tags: ['gateway'], summary: 'OpenAI-compatible chat completions (stream and non-stream)' } },
      async (request, reply) => {
        const c = checkChatRequest(request.body);
        if (!c.ok) return sendError(reply, 'openai', c.error);
        await handleChatCall(deps, request, reply, {
          chat: c.value,
          dialect: openAiDialect,
          endpoint: 'chat',
          preferences: c.value['provider'],
        });
        return reply;
      },
    );

    scope.post(
      '/v1/messages',
      anthropicRoute('Anthropic Messages API (stream and non-stream) on any configured model'),
      async (request, reply) => {
        const c = parseMessagesRequest(request.body);
        if (!c.ok)
          return sendError(reply, 'anthropic', gatewayError(400, 'invalid_value', c.error.message, c.error.field));
        // The translated request keeps only what providers understand; Tollgate's own fields
        // (provider preferences, metadata for attribution) are read from the original body.
        const body = request.body as Record<string, unknown>;
        await handleChatCall(deps, request, reply, {
          chat: c.value,
          dialect: anthropicDialect,
          endpoint: 'messages',
          preferences: body['provider'],
          attribution: attributionOf(request.headers, { metadata: body['metadata'], user: c.value['user'] }),
        });
        return reply;
      },
    );

    scope.post(
      '/v1/messages/count_tokens',
      anthropicRoute('Anthropic token counting: the input tokens of a Messages request (not billed)'),
      async (request, reply) => {
        const c = parseCountTokensRequest(request.body);
        if (!c.ok)
          return sendError(reply, 'anthropic', gatewayError(400, 'invalid_value', c.error.message, c.error.field));
        await handleCountTokens(deps, request, reply, c.value);
        return reply;
      },
    );

    scope.post(
      '/v1/embeddings',
      { ...post, schema: { tags: ['gateway'], summary: 'OpenAI-compatible embeddings' } },
      async (request, reply) => {
        const c = checkEmbeddingsRequest(request.body);
        if (!c.ok) return sendError(reply, 'openai', c.error);
        await handleSimpleCall(deps, request, reply, c.value, 'embeddings');
        return reply;
      },
    );

    scope.post(
      '/v1/completions',
      {
        ...post,
        schema: {
          tags: ['gateway'],
          summary: 'Legacy completions (stream and non-stream), where the provider has them',
        },
      },
      async (request, reply) => {
        const c = checkCompletionsRequest(request.body);
        if (!c.ok) return sendError(reply, 'openai', c.error);
        await handleSimpleCall(deps, request, reply, c.value, 'completions');
        return reply;
      },
    );

    scope.get(
      '/v1/models',
      { config: { access: 'gateway' }, schema: { tags: ['gateway'], summary: 'The models this API key may use' } },
      async (request, reply) => {
        deps.metrics.request('models', 200);
        return reply
          .type('application/json')
          .send(JSON.stringify(listModels(deps.registry, callerOf(request), modelsCreated)));
      },
    );

    // Model names may contain '/' (e.g. `meta-llama/llama-3.1-8b`): a wildcard takes the rest of
    // the path, percent-encoded or not.
    scope.get<{ Params: { '*': string } }>(
      '/v1/models/*',
      {
        config: { access: 'gateway' },
        schema: { tags: ['gateway'], summary: 'One model, if this API key may use it' },
      },
      async (request, reply) => {
        const name = decodeModelName(request.params['*']);
        const m = name === null ? null : getModel(deps.registry, callerOf(request), name, modelsCreated);
        if (!m) {
          return sendError(reply, 'openai', modelNotFound(name ?? request.params['*']));
        }
        return reply.type('application/json').send(JSON.stringify(m));
      },
    );
  }

  return async function routes(app: FastifyInstance): Promise<void> {
    await app.register(v1);
    app.get(
      '/metrics',
      {
        config: { access: { roles: ['platform_admin'], services: ['admin'] } },
        schema: { tags: ['operations'], summary: 'Prometheus metrics (platform admin or X-Admin-Key)' },
      },
      async (_request, reply) => {
        const m = await deps.metrics.render();
        return reply.type(m.contentType).send(m.body);
      },
    );
  };
}
