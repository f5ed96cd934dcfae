// Invites: a one-time token (stored as SHA-256 only) that lets a pending user set a password and
// become active. Issuing a new invite retires the user's earlier ones.
import type { Kysely } from 'kysely';
import type { AuditService } from '../audit/audit-service.js';
import type { EventBus } from '../bus/bus.js';
import type { Database } from '../db/schema.js';
import type { ActionContext } from '../identity/context.js';
import { randomToken, sha256Hex } from '../identity/crypto.js';
import { iso } from '../identity/json.js';
import { AppError, invalid, notFound } from '../shared/errors.js';
import { nextId } from '../shared/monotonic-id.js';
import { hashPassword } from './password.js';
import type { Invite, User } from './user-schemas.js';
import type { UserService } from './user-service.js';

export interface InviteService {
  issue(userId: string, ctx: ActionContext): Promise<Invite>;
  accept(token: string, password: string, ip?: string | null): Promise<User>;
}

export function createInviteService(deps: {
  db: Kysely<Database>;
  bus: EventBus;
  audit: AuditService;
  users: UserService;
  now: () => number;
  ttlHours: number;
  publicUrl?: string | undefined;
}): InviteService {
  const { db } = deps;
  return {
    async issue(userId, ctx) {
      const user = await deps.users.getById(userId);
      if (!user) throw notFound('user');
      if (user.status !== 'pending') throw new AppError('unprocessable', 'only a pending user can be invited');
      const now = deps.now();
      const token = randomToken(32);
      const expiresAt = now + deps.ttlHours * 3_600_000;
      await db.transaction().execute(async (trx) => {
        await trx
          .updateTable('invites')
          .set({ used_at: now })
          .where('user_id', '=', userId)
          .where('used_at', 'is', null)
          .execute();
        await trx
          .insertInto('invites')
          .values({
            id: nextId('inv', now),
            user_id: userId,
            token_hash: sha256Hex(token),
            expires_at: expiresAt,
            created_by: ctx.actor.kind === 'user' ? ctx.actor.userId : null,
            created_at: now,
          })
          .execute();
      });
      await deps.audit.record({
        actor: ctx.actor,
        tenantId: user.tenant_id,
        action: 'user.invite',
        targetType: 'user',
        targetId: userId,
        ip: ctx.ip ?? null,
      });
      const base = (deps.publicUrl ?? '').replace(/\/+$/, '');
      return { token, url: `${base}/accept-invite?token=${encodeURIComponent(token)}`, expires_at: iso(expiresAt) };
    },

    async accept(token, password, ip) {
      const now = deps.now();
      const invite = await db
        .selectFrom('invites')
        .selectAll()
        .where('token_hash', '=', sha256Hex(token))
        .executeTakeFirst();
      // One message for unknown, used and expired tokens: a token is either good or it is not.
      if (!invite || invite.used_at !== null || Number(invite.expires_at) <= now) {
        throw invalid('token', 'invite is invalid, used or expired');
      }
      const user = await deps.users.getById(invite.user_id);
      if (!user || user.status !== 'pending') throw invalid('token', 'invite is invalid, used or expired');
      const passwordHash = await hashPassword(password);
      const usedNow = await db.transaction().execute(async (trx) => {
        // The `used_at is null` guard makes acceptance single-use even under concurrent requests.
        const r = await trx
          .updateTable('invites')
          .set({ used_at: now })
          .where('id', '=', invite.id)
          .where('used_at', 'is', null)
          .executeTakeFirst();
        if (Number(r.numUpdatedRows) !== 1) return false;
        await trx
          .updateTable('users')
          .set({ password_hash: passwordHash, status: 'active', failed_logins: 0, locked_until: null, updated_at: now })
          .where('id', '=', user.id)
          .execute();
        return true;
      });
      if (!usedNow) throw invalid('token', 'invite is invalid, used or expired');
      await deps.audit.record({
        actor: { kind: 'user', userId: user.id, tenantId: user.tenant_id, role: user.role, email: user.email },
        tenantId: user.tenant_id,
        action: 'user.accept_invite',
        targetType: 'user',
        targetId: user.id,
        changes: { status: { from: 'pending', to: 'active' } },
        ip: ip ?? null,
      });
      deps.bus.publish('user.changed', { userId: user.id, tenantId: user.tenant_id });
      return (await deps.users.getById(user.id))!;
    },
  };
}
