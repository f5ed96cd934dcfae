// The HTTP surface: one Fastify instance for the admin API (/api/*, seed routes) and the gateway
// (/v1/* model routes, registered by the gateway module in its own encapsulated scope).
import fastifyCookie from '@fastify/cookie';
import fastifyCors from '@fastify/cors';
import fastifyStatic from '@fastify/static';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../config/config.js';
import type { Module } from '../app/core.js';
import type { RequestAuthenticator } from '../identity/ports.js';
import { newId } from '../shared/ids.js';
import { accessGuard, type RouteAccess } from './access.js';
import { adminErrorHandler } from './error-handler.js';
import { AppError } from '../shared/errors.js';
import { registerHealthRoutes } from './health.js';
import { unstorableTextGuard } from './text-guard.js';

export interface HttpDeps {
  config: Config;
  log: Logger;
  authenticator: RequestAuthenticator;
  modules: readonly Module[];
  /** Is the database reachable? (for /ready) */
  ready: () => Promise<boolean>;
  /** Folder of the built web app (served at /), if present. */
  webDist?: string;
}

export type App = FastifyInstance;

/** Response headers a cross-site browser caller may read (the gateway's and the rate limiter's). */
const CORS_EXPOSED_HEADERS = [
  'x-request-id',
  'x-tollgate-cost',
  'x-tollgate-provider',
  'retry-after',
  'x-ratelimit-limit-requests',
  'x-ratelimit-remaining-requests',
  'x-ratelimit-reset-requests',
  'x-ratelimit-limit-tokens',
  'x-ratelimit-remaining-tokens',
  'x-ratelimit-reset-tokens',
];

/** One registered route as the app saw it: tests enumerate these so a new route is covered. */
export interface RouteEntry {
  method: string;
  url: string;
  access: RouteAccess | undefined;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Every route registered on the app (any scope), in registration order. */
    routeTable: readonly RouteEntry[];
  }
}

export async function createHttpApp(deps: HttpDeps): Promise<FastifyInstance> {
  const { config } = deps;
  // Errors the router raises (broken percent-encoding, no such route) answer in the envelope of the
  // module that owns the path: OpenAI's (Anthropic's under /v1/messages) for the gateway's /v1
  // model routes, whose SDK callers parse nothing else; the admin API's elsewhere, seed 001's
  // /v1/auth and /v1/billing included.
  const ownerOf = (url: string) =>
    url.startsWith('/v1/auth') || url.startsWith('/v1/billing')
      ? undefined
      : deps.modules.find((m) => m.frameworkErrors && url.startsWith(m.frameworkErrors.prefix));
  const app = Fastify({
    loggerInstance: deps.log as unknown as FastifyBaseLogger,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && /^[\w.:-]{1,128}$/.test(given) ? given : newId('req');
    },
    // We log one line per request ourselves (onResponse), with the request id on every line.
    logController: new LogController({ requestIdLogLabel: 'requestId', disableRequestLogging: true }),
    bodyLimit: config.ADMIN_BODY_LIMIT_BYTES,
    trustProxy: config.TRUST_PROXY,
    // Explicit server timeouts; long enough for streamed completions.
    connectionTimeout: 0,
    keepAliveTimeout: 72_000,
    requestTimeout: 0,
    return503OnClosing: true,
    routerOptions: { ignoreTrailingSlash: true },
    // Broken percent-encoding and over-long path parameters answer in the API's error envelope too.
    frameworkErrors: (error, request, reply) => {
      (ownerOf(request.url)?.frameworkErrors?.handle ?? adminErrorHandler)(error, request, reply);
    },
    // The gateway's /v1 model routes log with an explicit requestId field and skip the per-request
    // child logger (a measurable cost on the hot path); every other route gets one.
    childLoggerFactory: (logger, bindings, opts, rawReq) =>
      rawReq.url?.startsWith('/v1/') && !rawReq.url.startsWith('/v1/auth') && !rawReq.url.startsWith('/v1/billing')
        ? logger
        : logger.child(bindings, opts),
  });

  // A POST with `Content-Type: application/json` and no body (what fetch/axios wrappers and cron
  // jobs send to actions such as reset-budgets, key rotation or logout-all) is a request without a
  // body, not malformed JSON; a route whose schema wants a body still answers 400 naming it.
  const json = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    const text = body.toString();
    if (text === '') return done(null, undefined);
    json(req, text, done);
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(adminErrorHandler);
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0]!;
    const shown = path.length > 200 ? `${path.slice(0, 200)}…` : path;
    (ownerOf(request.url)?.frameworkErrors?.handle ?? adminErrorHandler)(
      new AppError('not_found', `route ${request.method} ${shown} not found`),
      request,
      reply,
    );
  });
  app.decorateRequest('principal', null);
  const routeTable: RouteEntry[] = [];
  app.decorate('routeTable', routeTable);
  // Routes added by plugins (static assets, the OpenAPI UI) are public; every other route must
  // declare its access (the guard refuses undeclared ones).
  app.addHook('onRoute', (route) => {
    // …and so is the CORS plugin's preflight route (OPTIONS *), which answers only the CORS question.
    const publicPrefix = route.url.startsWith('/assets/') || route.url.startsWith('/api/docs');
    const preflight = route.method === 'OPTIONS' && route.url === '*';
    if ((publicPrefix || preflight) && !route.config?.access) route.config = { ...route.config, access: 'public' };
    for (const method of [route.method].flat())
      routeTable.push({ method, url: route.url, access: route.config?.access });
    // Per route, not a global hook: the gateway's hot path does not pay for the check. A route is
    // checked on its path parameters and on the query and body its schema admits.
    if (route.config?.access !== 'gateway') {
      const parts = [
        ...(/[:*]/.test(route.url) ? (['params'] as const) : []),
        ...(route.schema?.querystring ? (['query'] as const) : []),
        ...(route.schema?.body ? (['body'] as const) : []),
      ];
      if (parts.length > 0) route.preHandler = [unstorableTextGuard(parts), ...[route.preHandler ?? []].flat()];
    }
  });
  app.addHook('onRequest', accessGuard(deps.authenticator));
  // Callback-style hooks: an async hook costs a promise per request, gateway calls included.
  app.addHook('onSend', (request, reply, payload, done) => {
    reply.header('x-request-id', request.id);
    done(null, payload);
  });
  app.addHook('onResponse', (request, reply, done) => {
    if (request.url !== '/health' && request.url !== '/ready' && deps.log.isLevelEnabled('info')) {
      const line = {
        method: request.method,
        url: request.url,
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime),
      };
      // Gateway requests log through the parent logger (no per-request child): name the id here.
      request.log.info(request.log === app.log ? { requestId: request.id, ...line } : line, 'request');
    }
    done();
  });

  // Cross-site browser callers (seed 002's admin portal on its own domain, browser apps calling the
  // gateway with a key): only when configured, so the default hot path has no CORS hook.
  if (config.CORS_ORIGINS) {
    const origins = config.CORS_ORIGINS;
    await app.register(fastifyCors, {
      origin: origins.includes('*') ? true : origins,
      credentials: !origins.includes('*'),
      methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
      exposedHeaders: CORS_EXPOSED_HEADERS,
      maxAge: 600,
    });
  }
  await app.register(fastifyCookie);
  await app.register(fastifySwagger, {
    openapi: {
      info: {
        title: 'Tollgate API',
        version: '0.1.0',
        description: 'Multi-tenant LLM gateway with metering, budgets and billing.',
      },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
          billingKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
          adminKey: { type: 'apiKey', in: 'header', name: 'X-Admin-Key' },
        },
      },
    },
    transform: jsonSchemaTransform,
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/api/docs', uiConfig: { docExpansion: 'list' } });
  app.get('/api/openapi.json', { config: { access: 'public' }, schema: { hide: true } }, async () => app.swagger());

  await registerHealthRoutes(app, deps);
  for (const m of deps.modules) if (m.routes) await app.register(m.routes);

  const webDist = deps.webDist ?? resolve(import.meta.dirname, '../../../web/dist');
  if (existsSync(webDist)) {
    await app.register(fastifyStatic, { root: webDist, prefix: '/app-assets/', serve: false });
    await app.register(fastifyStatic, { root: resolve(webDist, 'assets'), prefix: '/assets/', decorateReply: false });
  }
  return app;
}
