// How people and tenants come in without an invite: self-registration (pending or active tenant,
// seed 001 aliases) and seed 003's provision-user behind the admin service key.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemContext } from '../../src/identity/context.js';
import { ADMIN_SECRET_KEY, BILLING_API_KEY, createTestApp, type TestApp } from '../support/app.js';
import { bearer, login, makeTenant } from './helpers.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp('sqlite');
});
afterAll(async () => t?.close());

const post = (url: string, payload: unknown, headers: Record<string, string> = {}) =>
  t.app.inject({ method: 'POST', url, payload: payload as object, headers });

describe('registration', () => {
  const company = {
    name: 'Acme Widgets',
    email: 'owner@acme.example',
    password: 'acme-password-1',
    description: 'Widgets',
    website: 'https://acme.example',
    phone: '+1234567890',
    address: { city: 'New York', country: 'USA' },
  };

  it('creates a pending tenant and its admin; no token until approved', async () => {
    const res = await post('/api/v1/auth/register', company);
    expect(res.statusCode, res.body).toBe(201);
    const body = res.json();
    expect(body.token).toBeNull();
    expect(body.message).toMatch(/pending approval/);
    expect(body.tenant).toMatchObject({
      name: 'Acme Widgets',
      slug: 'acme-widgets',
      status: 'pending',
      type: 'customer',
    });
    expect(body.tenant.settings.profile.address).toEqual({ city: 'New York', country: 'USA' });
    expect(body.user).toMatchObject({ role: 'tenant_admin', status: 'active', tenant_id: body.tenant.id });
    expect((await post('/api/v1/auth/login', { email: company.email, password: company.password })).statusCode).toBe(
      403,
    );
    await t.identity.tenants.update(body.tenant.id, { status: 'active' }, systemContext);
    await login(t, company.email, company.password);
  });

  it('a taken email is 409; a taken name gets a unique slug; /v1/auth/register answers the same', async () => {
    expect((await post('/v1/auth/register', company)).statusCode).toBe(409);
    const res = await post('/v1/auth/register', { ...company, email: 'second@acme.example' });
    expect(res.statusCode).toBe(201);
    expect(res.json().tenant.slug).toBe('acme-widgets-2');
  });

  it('with REGISTRATION_TENANT_STATUS=active the response carries a working token', async () => {
    const t2 = await createTestApp('sqlite', { REGISTRATION_TENANT_STATUS: 'active' });
    try {
      const res = await t2.app.inject({ method: 'POST', url: '/api/v1/auth/register', payload: company });
      expect(res.statusCode).toBe(201);
      const body = res.json();
      expect(body.tenant.status).toBe('active');
      const who = await t2.app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(body.token) });
      expect(who.json().tenant.id).toBe(body.tenant.id);
    } finally {
      await t2.close();
    }
  });

  it('a profile too large for the tenant settings is a 400, not a 500, and leaves nothing behind', async () => {
    const address = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`line${i}`, 'x'.repeat(500)]));
    const res = await post('/api/v1/auth/register', { ...company, email: 'big@acme.example', address });
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json().error.code).toBe('validation_error');
    expect(await t.identity.users.findByEmail('big@acme.example')).toBeNull();
  });

  it('REGISTRATION_ENABLED=false answers 403', async () => {
    const t2 = await createTestApp('sqlite', { REGISTRATION_ENABLED: 'false' });
    try {
      const res = await t2.app.inject({ method: 'POST', url: '/api/v1/auth/register', payload: company });
      expect(res.statusCode).toBe(403);
    } finally {
      await t2.close();
    }
  });
});

describe('service keys and provision-user (seed 003)', () => {
  const body = (tenantId: string) => ({
    email: 'provisioned@example.com',
    password: 'secure-password',
    product_id: 'prod_abc123',
    tenant_id: tenantId,
  });

  it('provisions an active user with a product', async () => {
    const tenant = await makeTenant(t, 'Provision Co');
    const res = await post('/api/admin/provision-user', body(tenant.id), { 'x-admin-key': ADMIN_SECRET_KEY });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({
      message: 'User provisioned successfully',
      user: {
        email: 'provisioned@example.com',
        product_id: 'prod_abc123',
        tenant_id: tenant.id,
        status: 'active',
        role: 'tenant_user',
      },
    });
    await login(t, 'provisioned@example.com', 'secure-password');
    expect(
      (await post('/api/admin/provision-user', body(tenant.id), { 'x-admin-key': ADMIN_SECRET_KEY })).statusCode,
    ).toBe(409);
    expect(
      (await post('/api/admin/provision-user', body('ten_unknown'), { 'x-admin-key': ADMIN_SECRET_KEY })).statusCode,
    ).toBe(404);
    const audit = await t.identity.audit.list({ tenantId: tenant.id, action: 'user.create', limit: 5 });
    expect(audit.items[0]?.actor).toEqual({ type: 'service', id: 'admin', email: null });
  });

  it('a wrong, missing or mismatched service key is refused', async () => {
    const tenant = await makeTenant(t, 'Keyless Co');
    expect(
      (await post('/api/admin/provision-user', body(tenant.id), { 'x-admin-key': 'wrong-admin-secret-0000' }))
        .statusCode,
    ).toBe(401);
    expect((await post('/api/admin/provision-user', body(tenant.id))).statusCode).toBe(401);
    // The billing key is a valid service key, but not for admin routes.
    expect(
      (await post('/api/admin/provision-user', body(tenant.id), { 'x-api-key': BILLING_API_KEY })).statusCode,
    ).toBe(403);
    expect(
      (await post('/api/admin/provision-user', body(tenant.id), { 'x-admin-key': ADMIN_SECRET_KEY.slice(0, -1) }))
        .statusCode,
    ).toBe(401);
  });

  it('with service keys unset those headers authenticate nobody', async () => {
    const t2 = await createTestApp('sqlite', { ADMIN_SECRET_KEY: '', BILLING_API_KEY: '' });
    try {
      const tenant = await t2.identity.tenants.create({ name: 'X' }, systemContext);
      const res = await t2.app.inject({
        method: 'POST',
        url: '/api/admin/provision-user',
        payload: body(tenant.id),
        headers: { 'x-admin-key': '' },
      });
      expect(res.statusCode).toBe(401);
      const res2 = await t2.app.inject({
        method: 'POST',
        url: '/api/admin/provision-user',
        payload: body(tenant.id),
        headers: { 'x-admin-key': ADMIN_SECRET_KEY },
      });
      expect(res2.statusCode).toBe(401);
    } finally {
      await t2.close();
    }
  });
});
