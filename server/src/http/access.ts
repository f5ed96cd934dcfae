// Route access: every admin-API route declares who may call it in `config.access`; a route
// without a declaration is refused (secure by default). The gateway's /v1 model routes declare
// 'gateway' and authenticate API keys themselves.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Principal, RequestAuthenticator, Role, UserPrincipal } from '../identity/ports.js';
import { AppError, forbidden } from '../shared/errors.js';

export type RouteAccess =
  'public' | 'gateway' | { roles?: readonly Role[]; services?: readonly ('billing' | 'admin')[] };

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
  interface FastifyContextConfig {
    access?: RouteAccess;
  }
}

export const ALL_ROLES: readonly Role[] = ['platform_admin', 'sales', 'tenant_admin', 'tenant_user'];
export const TENANT_ROLES: readonly Role[] = ['platform_admin', 'tenant_admin', 'tenant_user'];
export const ADMINS: readonly Role[] = ['platform_admin', 'tenant_admin'];
export const PLATFORM: readonly Role[] = ['platform_admin'];

/** onRequest hook factory: authenticate and enforce the route's declared access. Callback style,
 *  so public and gateway routes (the hot path) pass without a promise. */
export function accessGuard(auth: RequestAuthenticator) {
  async function check(request: FastifyRequest, access: Exclude<RouteAccess, 'public' | 'gateway'>): Promise<void> {
    const principal = await auth.authenticate(request);
    if (!principal) throw new AppError('unauthorized', 'authentication required');
    if (principal.kind === 'service') {
      if (!access.services?.includes(principal.service)) throw forbidden('service key not allowed here');
    } else if (!access.roles?.includes(principal.role)) {
      throw forbidden();
    }
    request.principal = principal;
  }
  return function guard(request: FastifyRequest, _reply: FastifyReply, done: (err?: Error) => void): void {
    request.principal = null;
    const access = request.routeOptions.config?.access;
    if (access === 'public' || access === 'gateway') return done();
    if (access === undefined) {
      // Unknown routes fall through to the 404 handler; known routes must declare access.
      if (request.routeOptions.url === undefined) return done();
      return done(forbidden('route has no access declaration'));
    }
    check(request, access).then(() => done(), done);
  };
}

/** The calling person; throws 401/403 for service callers on person-only routes. */
export function userOf(request: FastifyRequest): UserPrincipal {
  const p = request.principal;
  if (!p) throw new AppError('unauthorized', 'authentication required');
  if (p.kind !== 'user') throw forbidden('a person must make this call');
  return p;
}

/**
 * The tenant a query is scoped to. Platform admins (and service keys) may name any tenant (or
 * none = all); everyone else is pinned to their own tenant and naming another is a 404, so ids of
 * other tenants are not even confirmed to exist.
 */
export function tenantScope(principal: Principal, requested?: string | null): string | null {
  if (principal.kind === 'service' || principal.role === 'platform_admin') return requested ?? null;
  if (principal.role === 'sales') return requested ?? null;
  if (!principal.tenantId) throw forbidden('no tenant');
  if (requested && requested !== principal.tenantId) throw new AppError('not_found', 'tenant not found');
  return principal.tenantId;
}
