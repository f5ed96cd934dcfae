// Login, refresh and logout for people. Lock-out is per account (lockout.ts); sessions carry a
// rotating refresh token (session-service.ts); the JWT is short-lived (session-jwt.ts).
import type { Kysely } from 'kysely';
import type { AuditService } from '../audit/audit-service.js';
import type { Database } from '../db/schema.js';
import { iso } from '../identity/json.js';
import type { TenantService } from '../tenants/tenant-service.js';
import { AppError } from '../shared/errors.js';
import { verifyPassword } from '../users/password.js';
import type { User } from '../users/user-schemas.js';
import { toUser, type UserService } from '../users/user-service.js';
import { afterFailure, checkLock, type LockPolicy } from './lockout.js';
import { signSessionJwt } from './session-jwt.js';
import type { SessionMeta, SessionService } from './session-service.js';

export interface LoginResult {
  token: string;
  refreshToken: string;
  /** ISO time the JWT expires. */
  expiresAt: string;
  user: User;
}

export interface LoginService {
  login(email: string, password: string, meta: SessionMeta): Promise<LoginResult>;
  /** Open a session for a user already proven (registration). */
  issue(user: User, meta: SessionMeta): Promise<LoginResult>;
  refresh(refreshToken: string): Promise<LoginResult>;
}

const badCredentials = () => new AppError('unauthorized', 'invalid email or password');

export function createLoginService(deps: {
  db: Kysely<Database>;
  users: UserService;
  tenants: TenantService;
  sessions: SessionService;
  audit: AuditService;
  now: () => number;
  jwtSecret: Uint8Array;
  jwtTtlSeconds: number;
  lock: LockPolicy;
}): LoginService {
  const { db } = deps;

  async function tokenFor(user: User, sid: string, refreshToken: string): Promise<LoginResult> {
    const { token, expiresAt } = await signSessionJwt(
      { userId: user.id, sid },
      deps.jwtSecret,
      deps.now(),
      deps.jwtTtlSeconds,
    );
    return { token, refreshToken, expiresAt: iso(expiresAt), user };
  }

  /** People of a tenant that is not active cannot sign in (pending approval, suspended, deleted). */
  async function assertMayEnter(user: User): Promise<void> {
    if (user.status === 'suspended') throw new AppError('forbidden', 'account is suspended');
    if (user.status !== 'active') throw new AppError('forbidden', 'account is not active yet');
    if (user.tenant_id) {
      const tenant = await deps.tenants.getById(user.tenant_id);
      if (tenant?.status === 'pending') throw new AppError('forbidden', 'organisation is pending approval');
      if (tenant?.status !== 'active') throw new AppError('forbidden', 'organisation is not active');
    }
  }

  return {
    async login(email, password, meta) {
      const now = deps.now();
      const row = await deps.users.rowByEmail(email);
      if (!row) {
        await verifyPassword(null, password);
        throw badCredentials();
      }
      const state = {
        failedLogins: Number(row.failed_logins),
        lockedUntil: row.locked_until === null ? null : Number(row.locked_until),
      };
      const lock = checkLock(state, now);
      if (lock.locked) {
        throw new AppError(
          'account_locked',
          `account is locked after too many failed attempts; try again in ${lock.retryAfterSeconds} s`,
          { retryAfterSeconds: lock.retryAfterSeconds },
          { 'retry-after': String(lock.retryAfterSeconds) },
        );
      }
      if (!(await verifyPassword(row.password_hash, password))) {
        const next = afterFailure(state, now, deps.lock);
        await db
          .updateTable('users')
          .set({ failed_logins: next.failedLogins, locked_until: next.lockedUntil })
          .where('id', '=', row.id)
          .execute();
        if (next.lockedUntil !== null) {
          await deps.audit.record({
            actor: { kind: 'system' },
            tenantId: row.tenant_id,
            action: 'user.locked',
            targetType: 'user',
            targetId: row.id,
            ip: meta.ip ?? null,
          });
        }
        throw badCredentials();
      }
      const user = toUser(row);
      await assertMayEnter(user);
      await db
        .updateTable('users')
        .set({ failed_logins: 0, locked_until: null, last_login_at: now })
        .where('id', '=', row.id)
        .execute();
      const { sid, refreshToken } = await deps.sessions.open(user.id, meta);
      return tokenFor({ ...user, last_login_at: iso(now) }, sid, refreshToken);
    },

    async issue(user, meta) {
      await assertMayEnter(user);
      const { sid, refreshToken } = await deps.sessions.open(user.id, meta);
      return tokenFor(user, sid, refreshToken);
    },

    async refresh(refreshToken) {
      const rotated = await deps.sessions.rotate(refreshToken);
      if (!rotated) throw new AppError('unauthorized', 'refresh token is invalid, expired or revoked');
      const user = await deps.users.getById(rotated.userId);
      if (!user) throw new AppError('unauthorized', 'refresh token is invalid, expired or revoked');
      try {
        await assertMayEnter(user);
      } catch (e) {
        await deps.sessions.revoke(rotated.sid);
        throw e;
      }
      return tokenFor(user, rotated.sid, rotated.refreshToken);
    },
  };
}
