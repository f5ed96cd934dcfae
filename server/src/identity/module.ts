// Identity module: tenants, people, sessions, API keys, audit, service keys. (P1)
// Composes the services of tenants/, users/, auth/, keys/ and audit/ and registers their routes.
import type { FastifyInstance } from 'fastify';
import type { Core, Module } from '../app/core.js';
import { auditRoutes } from '../audit/audit-routes.js';
import { createAuditService, type AuditService } from '../audit/audit-service.js';
import { authRoutes } from '../auth/auth-routes.js';
import { createLoginService, type LoginService } from '../auth/login-service.js';
import { MemoryRateLimiter } from '../ratelimit/memory-rate-limiter.js';
import { provisionRoutes } from '../auth/provision-routes.js';
import { createRegisterService } from '../auth/register-service.js';
import { createRequestAuthenticator, type SessionAuthenticator } from '../auth/request-authenticator.js';
import { createSessionService, type SessionService } from '../auth/session-service.js';
import { ensureSuperAdmin } from '../auth/super-admin.js';
import { createKeyAuthenticator, type KeyAuthenticatorImpl } from '../keys/key-authenticator.js';
import { keyRoutes } from '../keys/key-routes.js';
import { createKeyService, type KeyService } from '../keys/key-service.js';
import { createLastUsedBatcher, type LastUsedBatcher } from '../keys/last-used-batcher.js';
import { tenantRoutes } from '../tenants/tenant-routes.js';
import { createTenantService, type TenantService } from '../tenants/tenant-service.js';
import { createInviteService, type InviteService } from '../users/invite-service.js';
import { userRoutes } from '../users/user-routes.js';
import { createUserService, type UserService } from '../users/user-service.js';

export interface IdentityModule extends Module {
  authenticator: SessionAuthenticator;
  keys: KeyAuthenticatorImpl;
  audit: AuditService;
  tenants: TenantService;
  users: UserService;
  invites: InviteService;
  apiKeys: KeyService;
  sessions: SessionService;
  login: LoginService;
  lastUsed: LastUsedBatcher;
}

export async function createIdentityModule(core: Core): Promise<IdentityModule> {
  const { config, bus, log } = core;
  const db = core.db.kysely;
  const now = () => core.clock.now();

  const audit = createAuditService({ db, now });
  const tenants = createTenantService({ db, bus, audit, now });
  const users = createUserService({ db, bus, audit, tenants, now });
  const invites = createInviteService({
    db,
    bus,
    audit,
    users,
    now,
    ttlHours: config.INVITE_TTL_HOURS,
    publicUrl: config.PUBLIC_URL,
  });
  const sessions = createSessionService({ db, now, refreshTtlSeconds: config.REFRESH_TTL_SECONDS });
  const login = createLoginService({
    db,
    users,
    tenants,
    sessions,
    audit,
    now,
    jwtSecret: core.secrets.jwtSecret,
    jwtTtlSeconds: config.JWT_TTL_SECONDS,
    lock: { maxAttempts: config.LOGIN_MAX_ATTEMPTS, lockMs: config.LOGIN_LOCK_MINUTES * 60_000 },
  });
  const register = createRegisterService({
    tenants,
    users,
    login,
    enabled: config.REGISTRATION_ENABLED,
    tenantStatus: config.REGISTRATION_TENANT_STATUS,
  });
  const authenticator = createRequestAuthenticator({
    db,
    bus,
    now,
    jwtSecret: core.secrets.jwtSecret,
    billingApiKey: config.BILLING_API_KEY,
    adminSecretKey: config.ADMIN_SECRET_KEY,
  });
  const apiKeys = createKeyService({ db, bus, audit, now });
  const lastUsed = createLastUsedBatcher({
    db,
    intervalMs: 5_000,
    onError: (e) => log.error({ err: e }, 'key last-used flush failed'),
  });
  const keys = createKeyAuthenticator({
    db,
    bus,
    now,
    lastUsed,
    cache: { ttlMs: config.KEY_CACHE_TTL_SECONDS * 1000, negativeTtlMs: 5_000, maxEntries: 50_000 },
  });

  // The first platform admin exists as soon as the module does (idempotent across restarts/nodes).
  await ensureSuperAdmin({ db, users, log, email: config.SUPER_ADMIN_EMAIL, password: config.SUPER_ADMIN_PASSWORD });

  const routePlugins = [
    tenantRoutes(tenants),
    userRoutes({ users, invites, tenants, sessions, authenticator }),
    authRoutes({
      login,
      sessions,
      invites,
      register,
      authenticator,
      jwtTtlSeconds: config.JWT_TTL_SECONDS,
      refreshTtlSeconds: config.REFRESH_TTL_SECONDS,
      secureCookies: config.PUBLIC_URL?.startsWith('https://') ?? false,
      ipLimit:
        config.AUTH_IP_RPM > 0
          ? { limiter: new MemoryRateLimiter({ maxEntries: 50_000 }), rpm: config.AUTH_IP_RPM, now }
          : null,
    }),
    provisionRoutes({ users, tenants }),
    keyRoutes({ keys: apiKeys, users }),
    auditRoutes(audit),
  ];

  return {
    authenticator,
    keys,
    audit,
    tenants,
    users,
    invites,
    apiKeys,
    sessions,
    login,
    lastUsed,
    async routes(app: FastifyInstance) {
      for (const plugin of routePlugins) await plugin(app);
    },
    async close() {
      await lastUsed.close();
      await keys.close();
    },
  };
}
