// "Tenant A cannot see or change tenant B" for tenants, users, keys and audit; plus the tenant and
// people life cycles and the audit entries they write.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemContext } from '../../src/identity/context.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { eachDialect } from '../support/db.js';
import { bearer, world } from './helpers.js';

eachDialect('tenancy', (dialect) => {
  let t: TestApp;
  let w: Awaited<ReturnType<typeof world>>;
  let keyB: string;

  beforeAll(async () => {
    t = await createTestApp(dialect);
    w = await world(t);
    keyB = (await t.identity.apiKeys.create({ name: 'B key' }, { userId: w.userB.id, tenantId: w.b.id }, systemContext))
      .key.id;
    await t.identity.apiKeys.create({ name: 'A key' }, { userId: w.userA.id, tenantId: w.a.id }, systemContext);
  });
  afterAll(async () => t?.close());

  const call = (token: string, method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, payload?: object) =>
    t.app.inject({ method, url, headers: bearer(token), ...(payload ? { payload } : {}) });

  describe('tenant A cannot see or change tenant B', () => {
    it('tenants', async () => {
      expect((await call(w.adminA.token, 'GET', `/api/v1/admin/tenants/${w.b.id}`)).statusCode).toBe(404);
      expect((await call(w.adminA.token, 'GET', `/api/v1/admin/tenants/${w.a.id}`)).statusCode).toBe(200);
      expect((await call(w.adminA.token, 'PUT', '/api/v1/tenant', { name: 'Renamed A' })).json().id).toBe(w.a.id);
      expect((await t.identity.tenants.getById(w.b.id))?.name).toBe('Tenant B');
    });

    it('users', async () => {
      for (const [m, body] of [['GET'], ['PUT', { name: 'x' }], ['DELETE']] as const) {
        const res = await call(w.adminA.token, m, `/api/v1/users/${w.userB.id}`, body);
        expect(res.statusCode, `${m} user of B`).toBe(404);
      }
      expect((await call(w.adminA.token, 'POST', `/api/v1/users/${w.userB.id}/invite`)).statusCode).toBe(404);
      expect((await call(w.adminA.token, 'GET', `/api/v1/users?tenant_id=${w.b.id}`)).statusCode).toBe(404);
      expect(
        (await call(w.adminA.token, 'POST', '/api/v1/users', { email: 'sneaky@example.com', tenant_id: w.b.id }))
          .statusCode,
      ).toBe(404);
      const list = (await call(w.adminA.token, 'GET', '/api/v1/users')).json();
      expect(list.items.length).toBeGreaterThan(0);
      expect(list.items.every((u: { tenant_id: string }) => u.tenant_id === w.a.id)).toBe(true);
      // A tenant user cannot even see a colleague.
      expect((await call(w.userA.token, 'GET', `/api/v1/users/${w.adminA.id}`)).statusCode).toBe(404);
      expect((await t.identity.users.getById(w.userB.id))?.status).toBe('active');
    });

    it('keys', async () => {
      for (const [m, url, body] of [
        ['GET', `/api/v1/keys/${keyB}`],
        ['PATCH', `/api/v1/keys/${keyB}`, { name: 'mine now' }],
        ['POST', `/api/v1/keys/${keyB}/revoke`],
        ['POST', `/api/v1/keys/${keyB}/rotate`],
      ] as const) {
        expect((await call(w.adminA.token, m, url, body)).statusCode, `${m} ${url}`).toBe(404);
        expect((await call(w.userA.token, m, url, body)).statusCode, `${m} ${url}`).toBe(404);
      }
      expect(
        (await call(w.adminA.token, 'POST', '/api/v1/keys', { name: 'for B', user_id: w.userB.id })).statusCode,
      ).toBe(404);
      expect((await call(w.adminA.token, 'GET', `/api/v1/keys?tenant_id=${w.b.id}`)).statusCode).toBe(404);
      const list = (await call(w.adminA.token, 'GET', '/api/v1/keys')).json();
      expect(list.items.map((k: { name: string }) => k.name)).toEqual(['A key']);
      expect(await t.identity.apiKeys.getById(keyB)).toMatchObject({ name: 'B key', status: 'active' });
      // A tenant user sees only their own keys, even asking for a colleague's.
      expect((await call(w.userA.token, 'GET', `/api/v1/keys?user_id=${w.adminA.id}`)).json().items).toEqual([]);
    });

    it('audit', async () => {
      expect((await call(w.adminA.token, 'GET', `/api/v1/audit?tenant_id=${w.b.id}`)).statusCode).toBe(404);
      const own = (await call(w.adminA.token, 'GET', '/api/v1/audit?limit=200')).json();
      expect(own.items.length).toBeGreaterThan(0);
      expect(own.items.every((e: { tenant_id: string }) => e.tenant_id === w.a.id)).toBe(true);
      const all = (await call(w.root.token, 'GET', `/api/v1/audit?tenant_id=${w.b.id}`)).json();
      expect(all.items.length).toBeGreaterThan(0);
      expect(all.items.every((e: { tenant_id: string }) => e.tenant_id === w.b.id)).toBe(true);
    });

    it('audit date filters: a date-only `to` includes its day, as in usage and transactions; reversed is a 400', async () => {
      const audit = (query: string) => call(w.root.token, 'GET', `/api/v1/audit?tenant_id=${w.b.id}&${query}`);
      const today = new Date().toISOString().slice(0, 10);
      const all = (await audit('limit=200')).json().items.length;
      expect(all).toBeGreaterThan(0);
      expect((await audit(`from=${today}&to=${today}&limit=200`)).json().items).toHaveLength(all);
      expect((await audit(`from=0&to=${Date.now() + 60_000}&limit=200`)).json().items).toHaveLength(all);
      expect((await audit('to=2000-01-01')).json().items).toEqual([]);
      const reversed = await audit('from=2025-03-15&to=2025-03-01');
      expect(reversed.statusCode).toBe(400);
      expect(reversed.json().error.field).toBe('to');
    });
  });

  describe('tenants life cycle', () => {
    it('creates, lists with filters and pages, updates, deactivates — all audited', async () => {
      const created = await call(w.root.token, 'POST', '/api/v1/admin/tenants', {
        name: 'Cloud Freedom',
        slug: 'cloudfreedom',
        domain: 'app.cloudfreedom.de',
        type: 'internal',
        billing_plan: 'enterprise',
        max_users: 100,
        settings: { provider: { order: ['openai', 'anthropic'], allow_fallbacks: true } },
      });
      expect(created.statusCode, created.body).toBe(201);
      const tenant = created.json();
      expect(tenant).toMatchObject({
        slug: 'cloudfreedom',
        status: 'active',
        type: 'internal',
        max_users: 100,
        billing_plan: 'enterprise',
      });
      expect(tenant.referral_code).toMatch(/^[A-Z0-9]{6,}$/);
      expect(
        (await call(w.root.token, 'POST', '/api/v1/admin/tenants', { name: 'Other', slug: 'cloudfreedom' })).statusCode,
      ).toBe(409);

      const found = (await call(w.root.token, 'GET', '/api/v1/admin/tenants?search=freedom&type=internal')).json();
      expect(found.items.map((x: { id: string }) => x.id)).toEqual([tenant.id]);
      const page1 = (await call(w.root.token, 'GET', '/api/v1/admin/tenants?limit=2')).json();
      expect(page1.items).toHaveLength(2);
      const page2 = (
        await call(w.root.token, 'GET', `/api/v1/admin/tenants?limit=2&cursor=${page1.next_cursor}`)
      ).json();
      expect(page2.items[0].id < page1.items[1].id).toBe(true);

      const updated = (
        await call(w.root.token, 'PUT', `/api/v1/admin/tenants/${tenant.id}`, { status: 'suspended', max_users: 5 })
      ).json();
      expect(updated).toMatchObject({ status: 'suspended', max_users: 5 });
      const deleted = await call(w.root.token, 'DELETE', `/api/v1/admin/tenants/${tenant.id}`);
      expect(deleted.json().status).toBe('deleted');
      expect(await t.identity.tenants.getById(tenant.id)).not.toBeNull(); // nothing hard-deleted
      expect(
        (await call(w.root.token, 'GET', '/api/v1/admin/tenants?status=deleted'))
          .json()
          .items.map((x: { id: string }) => x.id),
      ).toContain(tenant.id);

      const audit = (await call(w.root.token, 'GET', `/api/v1/audit?target_id=${tenant.id}`)).json().items;
      expect(audit.map((e: { action: string }) => e.action)).toEqual([
        'tenant.delete',
        'tenant.update',
        'tenant.create',
      ]);
      expect(audit[1].changes).toEqual({
        status: { from: 'active', to: 'suspended' },
        max_users: { from: 100, to: 5 },
      });
      expect(audit[1].actor).toMatchObject({ type: 'user', email: 'root@tollgate.test' });
      expect(audit[1].ip).toBeTypeOf('string');
    });

    it("keeps seed 002's tenant field `services` (platform admins set it; the tenant admin cannot)", async () => {
      const created = await call(w.root.token, 'POST', '/api/v1/admin/tenants', {
        name: 'Demo Tenant',
        type: 'demo',
        services: { openwebui_port: 3001, litellm: { port: 4000 } },
      });
      expect(created.statusCode, created.body).toBe(201);
      const tenant = created.json();
      expect(tenant.services).toEqual({ openwebui_port: 3001, litellm: { port: 4000 } });
      const plain = (await call(w.root.token, 'POST', '/api/v1/admin/tenants', { name: 'No Services' })).json();
      expect(plain.services).toEqual({});

      const put = await call(w.root.token, 'PUT', `/api/v1/admin/tenants/${tenant.id}`, {
        services: { openwebui_port: 3002 },
      });
      expect(put.statusCode, put.body).toBe(200);
      expect(put.json().services).toEqual({ openwebui_port: 3002 });
      const patch = await call(w.root.token, 'PATCH', `/api/v1/admin/tenants/${tenant.id}`, { name: 'Demo' });
      expect(patch.json()).toMatchObject({ name: 'Demo', services: { openwebui_port: 3002 } });
      expect((await t.identity.tenants.getById(tenant.id))?.services).toEqual({ openwebui_port: 3002 });
      expect(
        (await call(w.root.token, 'PUT', `/api/v1/admin/tenants/${tenant.id}`, { services: [3001] })).statusCode,
      ).toBe(400);

      await call(w.adminA.token, 'PUT', '/api/v1/tenant', { services: { openwebui_port: 1 } });
      expect((await t.identity.tenants.getById(w.a.id))?.services).toEqual({});
    });

    it('a tenant admin edits name, domain and settings of their own tenant only', async () => {
      const res = await call(w.adminA.token, 'PUT', '/api/v1/tenant', {
        domain: 'a.example.com',
        settings: { provider: { sort: 'price' } },
      });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json().settings).toEqual({ provider: { sort: 'price' } });
      const sneaky = await call(w.adminA.token, 'PUT', '/api/v1/tenant', { status: 'active', max_users: 1000 });
      expect(sneaky.statusCode).toBe(200); // unknown fields are dropped, not applied
      expect((await t.identity.tenants.getById(w.a.id))?.max_users).toBeNull();
    });

    it('PATCH merges settings (RFC 7396): other keys stay, null removes one, the result is validated', async () => {
      const put = await call(w.adminA.token, 'PUT', '/api/v1/tenant', {
        settings: { provider: { sort: 'price', only: ['openai'] }, theme: 'dark', notes: 'keep' },
      });
      expect(put.statusCode, put.body).toBe(200);
      const res = await call(w.adminA.token, 'PATCH', '/api/v1/tenant', {
        settings: { provider: { only: null, order: ['anthropic'] }, theme: null },
      });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json().settings).toEqual({ provider: { sort: 'price', order: ['anthropic'] }, notes: 'keep' });

      // The merged provider preferences must still be valid; nothing is written when they are not.
      const bad = await call(w.adminA.token, 'PATCH', '/api/v1/tenant', { settings: { provider: { sort: 42 } } });
      expect(bad.statusCode).toBe(400);
      expect(bad.json().error.message).toContain('settings.provider');
      expect((await t.identity.tenants.getById(w.a.id))?.settings).toEqual({
        provider: { sort: 'price', order: ['anthropic'] },
        notes: 'keep',
      });

      // A platform admin patches any tenant the same way; a tenant admin cannot use that route.
      const admin = await call(w.root.token, 'PATCH', `/api/v1/admin/tenants/${w.a.id}`, {
        settings: { notes: null },
        max_users: 7,
      });
      expect(admin.statusCode, admin.body).toBe(200);
      expect(admin.json()).toMatchObject({
        max_users: 7,
        settings: { provider: { sort: 'price', order: ['anthropic'] } },
      });
      expect(admin.json().settings.notes).toBeUndefined();
      expect((await call(w.adminA.token, 'PATCH', `/api/v1/admin/tenants/${w.a.id}`, { name: 'x' })).statusCode).toBe(
        403,
      );
    });

    it('concurrent settings patches to different keys all land', async () => {
      await call(w.adminA.token, 'PUT', '/api/v1/tenant', { settings: {} });
      const keys = Array.from({ length: 8 }, (_, i) => `k${i}`);
      const results = await Promise.all(
        keys.map((k) => call(w.adminA.token, 'PATCH', '/api/v1/tenant', { settings: { [k]: k } })),
      );
      expect(results.map((r) => r.statusCode)).toEqual(keys.map(() => 200));
      expect((await t.identity.tenants.getById(w.a.id))?.settings).toEqual(Object.fromEntries(keys.map((k) => [k, k])));
    });

    it("a tenant admin cannot lift or wipe the tenant's rate limit the platform admin set", async () => {
      const limit = { rpm: 100, tpm: 50_000 };
      const set = await call(w.root.token, 'PATCH', `/api/v1/admin/tenants/${w.a.id}`, {
        settings: { rate_limit: limit },
      });
      expect(set.statusCode, set.body).toBe(200);
      const stored = async () => (await t.identity.tenants.getById(w.a.id))?.settings['rate_limit'];

      // Replacing the settings whole (PUT) for another reason keeps the limit.
      const put = await call(w.adminA.token, 'PUT', '/api/v1/tenant', { settings: { provider: { sort: 'price' } } });
      expect(put.statusCode, put.body).toBe(200);
      expect(put.json().settings).toEqual({ provider: { sort: 'price' }, rate_limit: limit });
      // Sending it back unchanged (read, edit, write) is fine.
      const same = await call(w.adminA.token, 'PUT', '/api/v1/tenant', { settings: { ...put.json().settings } });
      expect(same.statusCode, same.body).toBe(200);

      for (const [method, settings] of [
        ['PATCH', { rate_limit: null }],
        ['PATCH', { rate_limit: { rpm: 1_000_000 } }],
        ['PUT', { rate_limit: { rpm: 1_000_000 } }],
      ] as const) {
        const res = await call(w.adminA.token, method, '/api/v1/tenant', { settings });
        expect(res.statusCode, `${method} ${JSON.stringify(settings)}`).toBe(403);
      }
      expect(await stored()).toEqual(limit);

      await call(w.root.token, 'PATCH', `/api/v1/admin/tenants/${w.a.id}`, { settings: { rate_limit: null } });
      expect(await stored()).toBeUndefined();
    });

    it('a tenant rate limit is whole requests and tokens per minute: anything else is a 400 naming it', async () => {
      for (const [rateLimit, field] of [
        [{ rpm: 0.5 }, 'settings.rate_limit.rpm'],
        [{ tpm: 0 }, 'settings.rate_limit.tpm'],
        [{ rpm: '100' }, 'settings.rate_limit.rpm'],
        [{ rpn: 100 }, 'settings.rate_limit'],
        [100, 'settings.rate_limit'],
      ] as const) {
        const res = await call(w.root.token, 'PATCH', `/api/v1/admin/tenants/${w.a.id}`, {
          settings: { rate_limit: rateLimit },
        });
        expect(res.statusCode, JSON.stringify(rateLimit)).toBe(400);
        expect(res.json().error.field, JSON.stringify(rateLimit)).toBe(field);
      }
      expect((await t.identity.tenants.getById(w.a.id))?.settings['rate_limit']).toBeUndefined();
    });
  });

  describe('people and role rules', () => {
    it('a tenant admin cannot create platform roles or change their own role', async () => {
      expect(
        (await call(w.adminA.token, 'POST', '/api/v1/users', { email: 'boss@example.com', role: 'platform_admin' }))
          .statusCode,
      ).toBe(403);
      expect(
        (await call(w.adminA.token, 'POST', '/api/v1/users', { email: 'boss@example.com', role: 'sales' })).statusCode,
      ).toBe(403);
      expect(
        (await call(w.adminA.token, 'PUT', `/api/v1/users/${w.adminA.id}`, { role: 'tenant_user' })).statusCode,
      ).toBe(403);
      expect((await call(w.adminA.token, 'DELETE', `/api/v1/users/${w.adminA.id}`)).statusCode).toBe(403);
    });

    it('a platform admin creates sales people outside tenants; roles do not cross the tenant line', async () => {
      const res = await call(w.root.token, 'POST', '/api/v1/users', { email: 'seller@example.com', role: 'sales' });
      expect(res.statusCode, res.body).toBe(201);
      expect(res.json().user.tenant_id).toBeNull();
      expect(
        (await call(w.root.token, 'POST', '/api/v1/users', { email: 'x@example.com', role: 'tenant_user' })).json()
          .error.field,
      ).toBe('tenant_id');
      expect(
        (await call(w.root.token, 'PUT', `/api/v1/users/${w.userA.id}`, { role: 'platform_admin' })).statusCode,
      ).toBe(400);
      expect(
        (await call(w.root.token, 'POST', '/api/v1/users', { email: 'SELLER@example.com', role: 'sales' })).statusCode,
      ).toBe(409);
    });

    it('promotes, suspends and re-activates with audit diffs; a seat limit is enforced', async () => {
      const promoted = await call(w.adminA.token, 'PUT', `/api/v1/users/${w.userA.id}`, {
        role: 'tenant_admin',
        name: 'Alice',
      });
      expect(promoted.json()).toMatchObject({ role: 'tenant_admin', name: 'Alice' });
      await call(w.adminA.token, 'PUT', `/api/v1/users/${w.userA.id}`, { role: 'tenant_user' });
      const entries = (
        await call(w.adminA.token, 'GET', `/api/v1/audit?target_id=${w.userA.id}&action=user.update`)
      ).json().items;
      expect(entries[1].changes).toEqual({
        role: { from: 'tenant_user', to: 'tenant_admin' },
        name: { from: null, to: 'Alice' },
      });

      const small = await t.identity.tenants.create({ name: 'Small', max_users: 1 }, systemContext);
      expect(
        (await call(w.root.token, 'POST', '/api/v1/users', { email: 'one@example.com', tenant_id: small.id }))
          .statusCode,
      ).toBe(201);
      expect(
        (await call(w.root.token, 'POST', '/api/v1/users', { email: 'two@example.com', tenant_id: small.id }))
          .statusCode,
      ).toBe(422);
    });

    it('re-activating a suspended person takes a seat: the limit holds', async () => {
      const small = await t.identity.tenants.create({ name: 'Tiny', max_users: 1 }, systemContext);
      const first = await t.identity.users.create(
        { email: 'tiny-1@example.com', role: 'tenant_user', tenantId: small.id, password: 'long-enough-1' },
        systemContext,
      );
      expect((await call(w.root.token, 'DELETE', `/api/v1/users/${first.id}`)).statusCode).toBe(200);
      const second = await call(w.root.token, 'POST', '/api/v1/users', {
        email: 'tiny-2@example.com',
        tenant_id: small.id,
      });
      expect(second.statusCode, second.body).toBe(201);
      const back = await call(w.root.token, 'PUT', `/api/v1/users/${first.id}`, { status: 'active' });
      expect(back.statusCode, back.body).toBe(422);
      expect(back.json().error.code).toBe('unprocessable');
      expect((await t.identity.users.getById(first.id))?.status).toBe('suspended');
      expect(await t.identity.tenants.seatCount(small.id)).toBe(1);
      // With the seat freed again, re-activation works.
      await call(w.root.token, 'DELETE', `/api/v1/users/${second.json().user.id}`);
      expect((await call(w.root.token, 'PUT', `/api/v1/users/${first.id}`, { status: 'active' })).statusCode).toBe(200);
    });
  });
});
