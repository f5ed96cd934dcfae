// The first platform admin: generated and logged once when SUPER_ADMIN_* are unset, idempotent
// across restarts; from SUPER_ADMIN_* otherwise. Also: pending key touches are flushed on close.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { Core } from '../../src/app/core.js';
import { InProcessBus } from '../../src/bus/bus.js';
import { loadConfig } from '../../src/config/config.js';
import { createIdentityModule } from '../../src/identity/module.js';
import { ManualClock } from '../../src/shared/clock.js';
import { createTestDb, type TestDb } from '../support/db.js';

let db: TestDb | undefined;
afterEach(async () => db?.close());

function coreWith(testDb: TestDb, env: Record<string, string>, warnings: unknown[]): Core {
  const log = pino({ level: 'silent' });
  log.warn = ((obj: unknown) => void warnings.push(obj)) as typeof log.warn;
  return {
    config: loadConfig({ NODE_ENV: 'test', DATA_DIR: mkdtempSync(join(tmpdir(), 'tg-')), ...env }),
    db: testDb,
    bus: new InProcessBus(),
    clock: new ManualClock(),
    log,
    secrets: { jwtSecret: new TextEncoder().encode('x'.repeat(48)), encryptionKey: Buffer.alloc(32) },
  };
}

describe('first platform admin', () => {
  it('is generated once with a logged password when SUPER_ADMIN_* are unset', async () => {
    db = await createTestDb('sqlite');
    const warnings: unknown[] = [];
    const first = await createIdentityModule(coreWith(db, {}, warnings));
    expect(warnings).toHaveLength(1);
    const { email, password } = warnings[0] as { email: string; password: string };
    expect(email).toBe('admin@localhost');
    expect(password.length).toBeGreaterThanOrEqual(20);
    const session = await first.login.login(email, password, {});
    expect(session.user.role).toBe('platform_admin');
    await first.close?.();
    // A restart finds the admin and logs nothing.
    const again = await createIdentityModule(coreWith(db, {}, warnings));
    expect(warnings).toHaveLength(1);
    await again.close?.();
  });

  it('comes from SUPER_ADMIN_EMAIL / SUPER_ADMIN_PASSWORD and is never overwritten', async () => {
    db = await createTestDb('sqlite');
    const warnings: unknown[] = [];
    const env = { SUPER_ADMIN_EMAIL: 'ops@example.com', SUPER_ADMIN_PASSWORD: 'first-password' };
    const m = await createIdentityModule(coreWith(db, env, warnings));
    await m.close?.();
    const m2 = await createIdentityModule(coreWith(db, { ...env, SUPER_ADMIN_PASSWORD: 'second-password' }, warnings));
    expect(warnings).toHaveLength(0);
    expect((await m2.login.login('ops@example.com', 'first-password', {})).user.role).toBe('platform_admin');
    const admins = await db.kysely.selectFrom('users').select('email').where('role', '=', 'platform_admin').execute();
    expect(admins.map((a) => a.email)).toEqual(['ops@example.com']);
    await m2.close?.();
  });

  it('flushes pending last-used touches on close', async () => {
    db = await createTestDb('sqlite');
    const m = await createIdentityModule(coreWith(db, {}, []));
    const tenant = await m.tenants.create({ name: 'T' }, { actor: { kind: 'system' } });
    const user = await m.users.create(
      { email: 'u@example.com', role: 'tenant_user', tenantId: tenant.id, password: 'long-enough-1' },
      { actor: { kind: 'system' } },
    );
    const { key } = await m.apiKeys.create(
      { name: 'k' },
      { userId: user.id, tenantId: tenant.id },
      { actor: { kind: 'system' } },
    );
    m.keys.touch(key.id, 1_700_000_000_000);
    await m.close?.();
    const row = await db.kysely
      .selectFrom('api_keys')
      .select('last_used_at')
      .where('id', '=', key.id)
      .executeTakeFirstOrThrow();
    expect(row.last_used_at).toBe(1_700_000_000_000n);
  });
});
