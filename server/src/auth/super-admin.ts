// The first platform admin: from SUPER_ADMIN_EMAIL / SUPER_ADMIN_PASSWORD, or — when unset and no
// platform admin exists — admin@localhost with a generated password logged once. Idempotent: an
// existing account is never overwritten (its password may have been changed since).
import type { Logger } from 'pino';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { systemContext } from '../identity/context.js';
import { randomToken } from '../identity/crypto.js';
import { AppError } from '../shared/errors.js';
import type { UserService } from '../users/user-service.js';

export const GENERATED_ADMIN_EMAIL = 'admin@localhost';

export async function ensureSuperAdmin(deps: {
  db: Kysely<Database>;
  users: UserService;
  log: Logger;
  email?: string | undefined;
  password?: string | undefined;
}): Promise<'created' | 'exists' | 'generated'> {
  const { users } = deps;
  try {
    if (deps.email && deps.password) {
      if (await users.findByEmail(deps.email)) return 'exists';
      await users.create(
        { email: deps.email, role: 'platform_admin', tenantId: null, password: deps.password, name: 'Super admin' },
        systemContext,
      );
      deps.log.info({ email: deps.email }, 'created the first platform admin from SUPER_ADMIN_EMAIL');
      return 'created';
    }
    const any = await deps.db
      .selectFrom('users')
      .select('id')
      .where('role', '=', 'platform_admin')
      .limit(1)
      .executeTakeFirst();
    if (any) return 'exists';
    const email = deps.email ?? GENERATED_ADMIN_EMAIL;
    if (await users.findByEmail(email)) return 'exists';
    const password = randomToken(18);
    await users.create({ email, role: 'platform_admin', tenantId: null, password, name: 'Super admin' }, systemContext);
    deps.log.warn(
      { email, password },
      `SUPER_ADMIN_EMAIL/SUPER_ADMIN_PASSWORD are unset: created platform admin ${email} with password ${password} (shown once; change it)`,
    );
    return 'generated';
  } catch (e) {
    // Another node created it first.
    if (e instanceof AppError && e.code === 'conflict') return 'exists';
    throw e;
  }
}
