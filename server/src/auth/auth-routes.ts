// Auth routes: login / refresh / logout / accept-invite / register, plus seed 001's
// /v1/auth/login and /v1/auth/register aliases that answer exactly the same.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ALL_ROLES, userOf } from '../http/access.js';
import type { RateLimiter } from '../ratelimit/ports.js';
import { AppError } from '../shared/errors.js';
import type { InviteService } from '../users/invite-service.js';
import { userSchema } from '../users/user-schemas.js';
import {
  acceptInviteSchema,
  loginBodySchema,
  loginResultSchema,
  refreshBodySchema,
  registerBodySchema,
  registerResultSchema,
} from './auth-schemas.js';
import type { LoginResult, LoginService } from './login-service.js';
import type { createRegisterService } from './register-service.js';
import { cookieValue, REFRESH_COOKIE, SESSION_COOKIE, type SessionAuthenticator } from './request-authenticator.js';
import type { SessionService } from './session-service.js';

export interface AuthRouteDeps {
  login: LoginService;
  sessions: SessionService;
  invites: InviteService;
  register: ReturnType<typeof createRegisterService>;
  authenticator: SessionAuthenticator;
  jwtTtlSeconds: number;
  refreshTtlSeconds: number;
  secureCookies: boolean;
  /** Per-IP limit on the unauthenticated routes that check a secret; null: no limit. */
  ipLimit: { limiter: RateLimiter; rpm: number; now: () => number } | null;
}

const tags = ['auth'];

export function authRoutes(deps: AuthRouteDeps) {
  const meta = (req: FastifyRequest) => ({ ip: req.ip, userAgent: req.headers['user-agent'] ?? null });

  function setCookies(reply: FastifyReply, result: LoginResult): void {
    const base = { httpOnly: true, sameSite: 'lax' as const, secure: deps.secureCookies };
    void reply.setCookie(SESSION_COOKIE, result.token, { ...base, path: '/', maxAge: deps.jwtTtlSeconds });
    // The refresh token only travels to the auth routes.
    void reply.setCookie(REFRESH_COOKIE, result.refreshToken, {
      ...base,
      path: '/api/v1/auth',
      maxAge: deps.refreshTtlSeconds,
    });
  }

  function clearCookies(reply: FastifyReply): void {
    void reply.clearCookie(SESSION_COOKIE, { path: '/' });
    void reply.clearCookie(REFRESH_COOKIE, { path: '/api/v1/auth' });
  }

  /**
   * Password guessing spread over many accounts never trips the per-account lock-out: this caps
   * what one address may try. Runs before the body is parsed.
   */
  function ipGuard(req: FastifyRequest, _reply: FastifyReply, done: (err?: Error) => void): void {
    const limit = deps.ipLimit;
    if (!limit) return done();
    void Promise.resolve(
      limit.limiter.check([{ subject: `auth-ip:${req.ip}`, rpm: limit.rpm, tpm: null }], 0, limit.now()),
    ).then((d) => {
      if (d.allowed) return done();
      const wait = Math.max(1, Math.ceil(d.retryAfterSeconds));
      done(
        new AppError('rate_limited', `too many sign-in requests from this address; retry in ${wait} s`, undefined, {
          'retry-after': String(wait),
        }),
      );
    }, done);
  }

  return async function routes(app: FastifyInstance): Promise<void> {
    const r = app.withTypeProvider<ZodTypeProvider>();

    for (const url of ['/api/v1/auth/login', '/v1/auth/login']) {
      r.post(
        url,
        {
          config: { access: 'public' },
          onRequest: ipGuard,
          schema: {
            tags,
            summary: 'Sign in with email and password',
            body: loginBodySchema,
            response: { 200: loginResultSchema },
          },
        },
        async (req, reply) => {
          const result = await deps.login.login(req.body.email, req.body.password, meta(req));
          setCookies(reply, result);
          return result;
        },
      );
    }

    r.post(
      '/api/v1/auth/refresh',
      {
        config: { access: 'public' },
        onRequest: ipGuard,
        schema: {
          tags,
          summary: 'Exchange a refresh token (body or cookie) for a new session token; the refresh token rotates',
          body: refreshBodySchema,
          response: { 200: loginResultSchema },
        },
      },
      async (req, reply) => {
        const token = req.body?.refreshToken ?? cookieValue(req, REFRESH_COOKIE);
        if (!token) throw new AppError('validation_error', 'refreshToken: required', { field: 'refreshToken' });
        const result = await deps.login.refresh(token);
        setCookies(reply, result);
        return result;
      },
    );

    r.post(
      '/api/v1/auth/logout',
      {
        config: { access: 'public' },
        schema: {
          tags,
          summary: 'End the session (its JWT and refresh token stop working)',
          body: refreshBodySchema,
          response: { 200: z.object({ message: z.string() }) },
        },
      },
      async (req, reply) => {
        // An expired or unknown token is ignored: the refresh token (body or cookie) still ends the session.
        let sid = (await deps.authenticator.sessionOf(req).catch(() => null))?.sid ?? null;
        const refresh = req.body?.refreshToken ?? cookieValue(req, REFRESH_COOKIE);
        if (sid) await deps.sessions.revoke(sid);
        if (refresh) sid = (await deps.sessions.revokeByRefreshToken(refresh)) ?? sid;
        if (sid) deps.authenticator.forgetSession(sid);
        clearCookies(reply);
        return { message: 'logged out' };
      },
    );

    r.post(
      '/api/v1/auth/logout-all',
      {
        config: { access: { roles: ALL_ROLES } },
        schema: {
          tags,
          summary: "Log out everywhere: every one of the caller's sessions ends (JWTs and refresh tokens)",
          response: { 200: z.object({ message: z.string() }) },
        },
      },
      async (req, reply) => {
        const { userId } = userOf(req);
        await deps.sessions.revokeAllForUser(userId);
        // This node forgets them now; other nodes' session caches expire within seconds.
        deps.authenticator.forgetUser(userId);
        clearCookies(reply);
        return { message: 'logged out of every session' };
      },
    );

    r.post(
      '/api/v1/auth/accept-invite',
      {
        config: { access: 'public' },
        onRequest: ipGuard,
        schema: {
          tags,
          summary: 'Set a password with a one-time invite token and activate the account',
          body: acceptInviteSchema,
          response: { 200: z.object({ message: z.string(), user: userSchema }) },
        },
      },
      async (req) => {
        const user = await deps.invites.accept(req.body.token, req.body.password, req.ip);
        return { message: 'invite accepted; you can now log in', user };
      },
    );

    for (const url of ['/api/v1/auth/register', '/v1/auth/register']) {
      r.post(
        url,
        {
          config: { access: 'public' },
          onRequest: ipGuard,
          schema: {
            tags,
            summary: 'Register a company: a tenant and its first admin',
            body: registerBodySchema,
            response: { 201: registerResultSchema },
          },
        },
        async (req, reply) => {
          const { tenant, user, login } = await deps.register.register(req.body, meta(req));
          if (login) setCookies(reply, login);
          return reply.status(201).send({
            message: login ? 'registered' : 'registered; the organisation is pending approval',
            token: login?.token ?? null,
            refreshToken: login?.refreshToken ?? null,
            expiresAt: login?.expiresAt ?? null,
            user: login?.user ?? user,
            tenant,
          });
        },
      );
    }
  };
}
