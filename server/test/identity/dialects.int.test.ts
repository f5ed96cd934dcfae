// A representative identity flow on both SQLite and PostgreSQL: migrations, login and lock-out,
// keys through the KeyAuthenticator, cross-tenant 404, audit, registration, provisioning.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ManualClock } from '../../src/shared/clock.js';
import { ADMIN_SECRET_KEY, createTestApp, type TestApp } from '../support/app.js';
import { eachDialect } from '../support/db.js';
import { bearer, PASSWORD, world } from './helpers.js';

eachDialect('identity', (dialect) => {
  const clock = new ManualClock();
  let t: TestApp;
  let w: Awaited<ReturnType<typeof world>>;
  beforeAll(async () => {
    t = await createTestApp(dialect, { REGISTRATION_TENANT_STATUS: 'active' }, { clock });
    w = await world(t);
  });
  afterAll(async () => t?.close());

  const post = (url: string, payload: object, headers: Record<string, string> = {}) =>
    t.app.inject({ method: 'POST', url, payload, headers });

  it('creates a key with a budget, authenticates it, refuses it once revoked', async () => {
    const res = await post(
      '/api/v1/keys',
      { name: 'k', budget: '9007199.254740993', budget_period: 'total' },
      bearer(w.userA.token),
    );
    expect(res.statusCode, res.body).toBe(201);
    const { key, secret } = res.json();
    expect(key.budget).toBe('9007199.254740993');
    const r = await t.identity.keys.authenticate(secret);
    expect(r.ok && r.caller.key.budget).toBe(9_007_199_254_740_993n);
    expect((await post(`/api/v1/keys/${key.id}/revoke`, {}, bearer(w.adminA.token))).statusCode).toBe(200);
    expect(await t.identity.keys.authenticate(secret)).toEqual({ ok: false, reason: 'revoked' });
    expect(
      (await t.app.inject({ method: 'GET', url: `/api/v1/keys/${key.id}`, headers: bearer(w.adminB.token) }))
        .statusCode,
    ).toBe(404);
  });

  it('refresh rotates and logout ends the session', async () => {
    const s = (await post('/api/v1/auth/login', { email: w.adminA.email, password: PASSWORD })).json();
    const next = (await post('/api/v1/auth/refresh', { refreshToken: s.refreshToken })).json();
    expect(next.token).toBeTypeOf('string');
    await post('/api/v1/auth/logout', {}, bearer(next.token));
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(next.token) })).statusCode).toBe(
      401,
    );
  });

  it('registers an active company, provisions a user, lists tenants by search, and audits', async () => {
    const reg = await post('/v1/auth/register', {
      name: 'Ünïcode Café',
      email: 'cafe@example.com',
      password: 'cafe-password-1',
    });
    expect(reg.statusCode, reg.body).toBe(201);
    expect(reg.json().tenant.slug).toBe('unicode-cafe');
    const found = await t.app.inject({
      method: 'GET',
      url: '/api/v1/admin/tenants?search=CAFÉ',
      headers: bearer(w.root.token),
    });
    expect(found.json().items.map((x: { id: string }) => x.id)).toEqual([reg.json().tenant.id]);
    const prov = await post(
      '/api/admin/provision-user',
      { email: 'p@example.com', password: 'p-password-1', product_id: 'prod_1', tenant_id: w.a.id },
      { 'x-admin-key': ADMIN_SECRET_KEY },
    );
    expect(prov.statusCode).toBe(201);
    const audit = (
      await t.app.inject({
        method: 'GET',
        url: '/api/v1/audit?action=user.create&limit=1',
        headers: bearer(w.adminA.token),
      })
    ).json();
    expect(audit.items[0]).toMatchObject({ action: 'user.create', target_id: prov.json().user.id, tenant_id: w.a.id });
  });

  // Last: it moves the clock past every session token.
  it('locks after 5 failures and unlocks after 15 minutes', async () => {
    for (let i = 0; i < 5; i++)
      expect((await post('/api/v1/auth/login', { email: w.userB.email, password: 'wrong-password' })).statusCode).toBe(
        401,
      );
    expect((await post('/api/v1/auth/login', { email: w.userB.email, password: PASSWORD })).statusCode).toBe(423);
    clock.advance(15 * 60_000);
    expect((await post('/api/v1/auth/login', { email: w.userB.email, password: PASSWORD })).statusCode).toBe(200);
  });

  it('the super admin bootstrap is idempotent', async () => {
    const { ensureSuperAdmin } = await import('../../src/auth/super-admin.js');
    const deps = {
      db: t.core.db.kysely,
      users: t.identity.users,
      log: t.core.log,
      email: 'root@tollgate.test',
      password: 'root-password-123',
    };
    expect(await ensureSuperAdmin(deps)).toBe('exists');
  });
});
