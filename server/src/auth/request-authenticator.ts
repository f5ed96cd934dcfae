// The admin API's RequestAuthenticator: service keys (X-Admin-Key / X-API-Key, constant-time) or a
// session JWT (Authorization: Bearer, or the `tg_session` cookie). A JWT is only as good as its
// session row and its user: both are checked, through a short cache that bus events and logout
// invalidate, so the steady state costs no query per request.
import type { FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { EventBus } from '../bus/bus.js';
import type { Database } from '../db/schema.js';
import { safeEqual } from '../identity/crypto.js';
import type { Principal, RequestAuthenticator, Role, UserPrincipal } from '../identity/ports.js';
import { AppError } from '../shared/errors.js';
import { verifySessionJwt } from './session-jwt.js';

export const SESSION_COOKIE = 'tg_session';
export const REFRESH_COOKIE = 'tg_refresh';

export interface SessionAuthenticator extends RequestAuthenticator {
  /** Forget a session at once (logout on this node). */
  forgetSession(sid: string): void;
  /** Drop every cached session of a person (after "log out everywhere"). */
  forgetUser(userId: string): void;
  /** Resolve a raw session JWT (used by logout, which is public). */
  principalFromToken(token: string): Promise<{ principal: UserPrincipal; sid: string } | null>;
  /** The session a request carries (bearer JWT, else the session cookie); null if none is valid. */
  sessionOf(request: FastifyRequest): Promise<{ principal: UserPrincipal; sid: string } | null>;
}

interface CacheEntry {
  principal: UserPrincipal | null;
  until: number;
}

const header = (req: FastifyRequest, name: string): string | undefined => {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
};

/** Cookies are read from the header here: this runs in an onRequest hook that may precede the cookie plugin's. */
export function cookieValue(req: FastifyRequest, name: string): string | undefined {
  const parsed = (req as { cookies?: Record<string, string | undefined> }).cookies?.[name];
  if (parsed) return parsed;
  const raw = header(req, 'cookie');
  if (!raw) return undefined;
  for (const part of raw.split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) {
      try {
        return decodeURIComponent(part.slice(i + 1).trim());
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

export function createRequestAuthenticator(deps: {
  db: Kysely<Database>;
  bus: EventBus;
  now: () => number;
  jwtSecret: Uint8Array;
  billingApiKey?: string | undefined;
  adminSecretKey?: string | undefined;
  /** How long a checked session stays trusted without a query (ms). */
  cacheMs?: number;
}): SessionAuthenticator {
  const cacheMs = deps.cacheMs ?? 5_000;
  const cache = new Map<string, CacheEntry>();
  // Bumped by every invalidation. A session check that read the database while one arrived may
  // hold the state from before it (a logout or suspension mid-query): it is used once, not cached.
  let generation = 0;
  const dropWhere = (pred: (p: UserPrincipal) => boolean) => {
    generation++;
    for (const [sid, e] of cache) if (!e.principal || pred(e.principal)) cache.delete(sid);
  };
  deps.bus.subscribe('user.changed', ({ userId }) => dropWhere((p) => p.userId === userId));
  deps.bus.subscribe('tenant.changed', ({ tenantId }) => dropWhere((p) => p.tenantId === tenantId));

  async function loadSession(sid: string, userId: string, now: number): Promise<UserPrincipal | null> {
    const row = await deps.db
      .selectFrom('sessions as s')
      .innerJoin('users as u', 'u.id', 's.user_id')
      .leftJoin('tenants as t', 't.id', 'u.tenant_id')
      .select([
        's.revoked_at',
        's.expires_at',
        'u.id as user_id',
        'u.email',
        'u.role',
        'u.status',
        'u.tenant_id',
        't.status as tenant_status',
      ])
      .where('s.id', '=', sid)
      .executeTakeFirst();
    if (!row || row.user_id !== userId || row.revoked_at !== null || Number(row.expires_at) <= now) return null;
    if (row.status !== 'active') return null;
    if (row.tenant_id && row.tenant_status !== 'active') return null;
    return { kind: 'user', userId: row.user_id, tenantId: row.tenant_id, role: row.role as Role, email: row.email };
  }

  /** The session of a request's JWT (bearer, else the session cookie); null if none is valid. */
  async function sessionOf(request: FastifyRequest): Promise<{ principal: UserPrincipal; sid: string } | null> {
    const authz = header(request, 'authorization');
    const bearer = authz && /^bearer\s+/i.test(authz) ? authz.replace(/^bearer\s+/i, '').trim() : undefined;
    const token = bearer ?? cookieValue(request, SESSION_COOKIE);
    return token ? principalFromToken(token) : null;
  }

  async function principalFromToken(token: string): Promise<{ principal: UserPrincipal; sid: string } | null> {
    const now = deps.now();
    const verified = await verifySessionJwt(token, deps.jwtSecret, now);
    if (!verified.ok) {
      if (verified.error === 'expired')
        throw new AppError('token_expired', 'session token has expired; refresh or log in again');
      return null;
    }
    const { sid, userId } = verified.value;
    const hit = cache.get(sid);
    if (hit && hit.until > now)
      return hit.principal && hit.principal.userId === userId ? { principal: hit.principal, sid } : null;
    const seen = generation;
    const principal = await loadSession(sid, userId, now);
    if (generation === seen) {
      if (cache.size > 10_000) cache.clear();
      cache.set(sid, { principal, until: now + cacheMs });
    }
    return principal ? { principal, sid } : null;
  }

  return {
    forgetSession: (sid) => {
      generation++;
      cache.delete(sid);
    },
    forgetUser: (userId) => dropWhere((p) => p.userId === userId),
    principalFromToken,

    async authenticate(request): Promise<Principal | null> {
      const adminKey = header(request, 'x-admin-key');
      if (adminKey !== undefined) {
        return deps.adminSecretKey && safeEqual(adminKey, deps.adminSecretKey)
          ? { kind: 'service', service: 'admin' }
          : null;
      }
      const apiKey = header(request, 'x-api-key');
      if (apiKey !== undefined) {
        return deps.billingApiKey && safeEqual(apiKey, deps.billingApiKey)
          ? { kind: 'service', service: 'billing' }
          : null;
      }
      return (await sessionOf(request))?.principal ?? null;
    },
    sessionOf,
  };
}
