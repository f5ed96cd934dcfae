// Sessions: one row per login holding the hash of a rotating refresh token. Logout revokes the
// row, which also kills every JWT carrying its `sid` (the authenticator checks the row).
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { randomToken, sha256Hex } from '../identity/crypto.js';
import { nextId } from '../shared/monotonic-id.js';

export interface SessionMeta {
  ip?: string | null;
  userAgent?: string | null;
}

export interface SessionService {
  open(userId: string, meta: SessionMeta): Promise<{ sid: string; refreshToken: string }>;
  /** Exchange a refresh token for a new one (the old one stops working); null if unknown/expired/revoked. */
  rotate(refreshToken: string): Promise<{ sid: string; userId: string; refreshToken: string } | null>;
  revoke(sid: string): Promise<void>;
  revokeByRefreshToken(refreshToken: string): Promise<string | null>;
  /** End every session of the person, but `exceptSid` (the one changing its password) when given. */
  revokeAllForUser(userId: string, exceptSid?: string): Promise<void>;
}

export function createSessionService(deps: {
  db: Kysely<Database>;
  now: () => number;
  refreshTtlSeconds: number;
}): SessionService {
  const { db } = deps;
  const ttlMs = deps.refreshTtlSeconds * 1000;
  return {
    async open(userId, meta) {
      const now = deps.now();
      const sid = nextId('ses', now);
      const refreshToken = randomToken(32);
      await db
        .insertInto('sessions')
        .values({
          id: sid,
          user_id: userId,
          refresh_hash: sha256Hex(refreshToken),
          expires_at: now + ttlMs,
          ip: meta.ip ?? null,
          user_agent: meta.userAgent?.slice(0, 500) ?? null,
          created_at: now,
          refreshed_at: now,
        })
        .execute();
      return { sid, refreshToken };
    },

    async rotate(refreshToken) {
      const now = deps.now();
      const hash = sha256Hex(refreshToken);
      const row = await db
        .selectFrom('sessions')
        .select(['id', 'user_id', 'expires_at', 'revoked_at'])
        .where('refresh_hash', '=', hash)
        .executeTakeFirst();
      if (!row || row.revoked_at !== null || Number(row.expires_at) <= now) return null;
      const next = randomToken(32);
      // Guarded on the old hash: two concurrent refreshes with the same token cannot both win.
      const r = await db
        .updateTable('sessions')
        .set({ refresh_hash: sha256Hex(next), refreshed_at: now, expires_at: now + ttlMs })
        .where('id', '=', row.id)
        .where('refresh_hash', '=', hash)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      if (Number(r.numUpdatedRows) !== 1) return null;
      return { sid: row.id, userId: row.user_id, refreshToken: next };
    },

    async revoke(sid) {
      await db
        .updateTable('sessions')
        .set({ revoked_at: deps.now() })
        .where('id', '=', sid)
        .where('revoked_at', 'is', null)
        .execute();
    },

    async revokeByRefreshToken(refreshToken) {
      const row = await db
        .selectFrom('sessions')
        .select('id')
        .where('refresh_hash', '=', sha256Hex(refreshToken))
        .executeTakeFirst();
      if (!row) return null;
      await this.revoke(row.id);
      return row.id;
    },

    async revokeAllForUser(userId, exceptSid) {
      let q = db
        .updateTable('sessions')
        .set({ revoked_at: deps.now() })
        .where('user_id', '=', userId)
        .where('revoked_at', 'is', null);
      if (exceptSid) q = q.where('id', '!=', exceptSid);
      await q.execute();
    },
  };
}
