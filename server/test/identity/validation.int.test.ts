// Bad inputs for each identity route answer 400 naming the field (never a 500); unknown ids 404;
// oversized bodies 413; broken JSON 400.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_SECRET_KEY, createTestApp, type TestApp } from '../support/app.js';
import { bearer, world } from './helpers.js';

let t: TestApp;
let w: Awaited<ReturnType<typeof world>>;
beforeAll(async () => {
  t = await createTestApp('sqlite');
  w = await world(t);
});
afterAll(async () => t?.close());

type M = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
const CASES: [string, M, string, unknown, string, 'root' | 'admin' | 'anon' | 'service'][] = [
  ['login: bad email', 'POST', '/api/v1/auth/login', { email: 'nope', password: 'x' }, 'email', 'anon'],
  ['login: no password', 'POST', '/api/v1/auth/login', { email: 'a@b.co' }, 'password', 'anon'],
  [
    'register: short password',
    'POST',
    '/api/v1/auth/register',
    { name: 'X', email: 'x@y.co', password: 'short' },
    'password',
    'anon',
  ],
  [
    'register: bad website',
    'POST',
    '/api/v1/auth/register',
    { name: 'X', email: 'x@y.co', password: 'long-enough-1', website: 'not a url' },
    'website',
    'anon',
  ],
  [
    'register: script website',
    'POST',
    '/api/v1/auth/register',
    { name: 'X', email: 'x@y.co', password: 'long-enough-1', website: 'javascript:alert(document.cookie)' },
    'website',
    'anon',
  ],
  ['register: no name', 'POST', '/v1/auth/register', { email: 'x@y.co', password: 'long-enough-1' }, 'name', 'anon'],
  ['refresh: nothing to refresh', 'POST', '/api/v1/auth/refresh', {}, 'refreshToken', 'anon'],
  ['accept-invite: no token', 'POST', '/api/v1/auth/accept-invite', { password: 'long-enough-1' }, 'token', 'anon'],
  ['create tenant: no name', 'POST', '/api/v1/admin/tenants', { slug: 'abc' }, 'name', 'root'],
  ['create tenant: bad slug', 'POST', '/api/v1/admin/tenants', { name: 'A', slug: 'Has Spaces' }, 'slug', 'root'],
  ['create tenant: bad type', 'POST', '/api/v1/admin/tenants', { name: 'A', type: 'vip' }, 'type', 'root'],
  ['create tenant: bad max_users', 'POST', '/api/v1/admin/tenants', { name: 'A', max_users: -1 }, 'max_users', 'root'],
  [
    'create tenant: bad provider prefs',
    'POST',
    '/api/v1/admin/tenants',
    { name: 'A', settings: { provider: { sort: 'random' } } },
    'settings.provider',
    'root',
  ],
  ['update tenant: bad status', 'PUT', '/api/v1/admin/tenants/:a', { status: 'gone' }, 'status', 'root'],
  ['update tenant: bad domain', 'PUT', '/api/v1/admin/tenants/:a', { domain: 'not a domain' }, 'domain', 'root'],
  ['list tenants: bad limit', 'GET', '/api/v1/admin/tenants?limit=0', undefined, 'limit', 'root'],
  ['list tenants: bad status', 'GET', '/api/v1/admin/tenants?status=nope', undefined, 'status', 'root'],
  ['own tenant: bad settings', 'PUT', '/api/v1/tenant', { settings: 'x' }, 'settings', 'admin'],
  ['create user: bad email', 'POST', '/api/v1/users', { email: 'x' }, 'email', 'admin'],
  ['create user: bad role', 'POST', '/api/v1/users', { email: 'ok@example.com', role: 'god' }, 'role', 'admin'],
  ['update user: bad status', 'PUT', '/api/v1/users/:userA', { status: 'pending' }, 'status', 'admin'],
  ['list users: bad role', 'GET', '/api/v1/users?role=god', undefined, 'role', 'admin'],
  [
    'change password: too short',
    'PUT',
    '/api/v1/me/password',
    { current_password: 'x', new_password: 'short' },
    'new_password',
    'admin',
  ],
  [
    'change password: wrong current',
    'PUT',
    '/api/v1/me/password',
    { current_password: 'wrong-one', new_password: 'long-enough-1' },
    'current_password',
    'admin',
  ],
  ['create key: no name', 'POST', '/api/v1/keys', {}, 'name', 'admin'],
  ['create key: bad budget', 'POST', '/api/v1/keys', { name: 'k', budget: '1.2.3' }, 'budget', 'admin'],
  ['create key: negative budget', 'POST', '/api/v1/keys', { name: 'k', budget: '-1' }, 'budget', 'admin'],
  ['create key: too precise budget', 'POST', '/api/v1/keys', { name: 'k', budget: '0.0000000001' }, 'budget', 'admin'],
  ['create key: bad period', 'POST', '/api/v1/keys', { name: 'k', budget_period: 'hourly' }, 'budget_period', 'admin'],
  ['create key: bad rpm', 'POST', '/api/v1/keys', { name: 'k', rpm: 1.5 }, 'rpm', 'admin'],
  ['create key: bad models', 'POST', '/api/v1/keys', { name: 'k', allowed_models: 'gpt-4' }, 'allowed_models', 'admin'],
  ['create key: bad expiry', 'POST', '/api/v1/keys', { name: 'k', expires_at: 'tomorrow' }, 'expires_at', 'admin'],
  [
    'create key: past expiry',
    'POST',
    '/api/v1/keys',
    { name: 'k', expires_at: '2000-01-01T00:00:00Z' },
    'expires_at',
    'admin',
  ],
  ['create key: platform admin without owner', 'POST', '/api/v1/keys', { name: 'k' }, 'user_id', 'root'],
  ['patch key: bad tpm', 'PATCH', '/api/v1/keys/:key', { tpm: 0 }, 'tpm', 'admin'],
  ['list keys: bad status', 'GET', '/api/v1/keys?status=zombie', undefined, 'status', 'admin'],
  ['audit: bad from', 'GET', '/api/v1/audit?from=yesterday', undefined, 'from', 'admin'],
  [
    'provision: no product',
    'POST',
    '/api/admin/provision-user',
    { email: 'p@example.com', password: 'long-enough-1', tenant_id: 'x' },
    'product_id',
    'service',
  ],
  [
    'provision: bad email',
    'POST',
    '/api/admin/provision-user',
    { email: 'p', password: 'long-enough-1', tenant_id: 'x', product_id: 'p' },
    'email',
    'service',
  ],
];

describe('validation errors name the field', () => {
  let keyId: string;
  beforeAll(async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/keys',
      payload: { name: 'v' },
      headers: bearer(w.adminA.token),
    });
    keyId = res.json().key.id;
  });

  it.each(CASES)('%s', async (_name, method, rawUrl, payload, field, who) => {
    const url = rawUrl.replace(':a', w.a.id).replace(':userA', w.userA.id).replace(':key', keyId);
    const headers =
      who === 'root'
        ? bearer(w.root.token)
        : who === 'admin'
          ? bearer(w.adminA.token)
          : who === 'service'
            ? { 'x-admin-key': ADMIN_SECRET_KEY }
            : {};
    const res = await t.app.inject({
      method,
      url,
      headers,
      ...(payload !== undefined ? { payload: payload as object } : {}),
    });
    expect(res.statusCode, res.body).toBe(400);
    const body = res.json();
    expect(body.error.code).toBe('validation_error');
    expect(body.error.field).toBe(field);
    expect(body.error.requestId).toBeTypeOf('string');
  });
});

describe('other client mistakes', () => {
  it('unknown ids are 404', async () => {
    for (const url of ['/api/v1/admin/tenants/ten_nope', '/api/v1/users/usr_nope', '/api/v1/keys/key_nope']) {
      expect((await t.app.inject({ method: 'GET', url, headers: bearer(w.root.token) })).statusCode).toBe(404);
    }
    expect(
      (
        await t.app.inject({
          method: 'PUT',
          url: '/api/v1/admin/tenants/ten_nope',
          payload: { name: 'x' },
          headers: bearer(w.root.token),
        })
      ).statusCode,
    ).toBe(404);
    expect(
      (
        await t.app.inject({
          method: 'POST',
          url: '/api/v1/keys',
          payload: { name: 'x', user_id: 'usr_nope' },
          headers: bearer(w.root.token),
        })
      ).statusCode,
    ).toBe(404);
  });

  it('broken JSON is 400 and a body over 1 MiB is 413, without a stack trace', async () => {
    const broken = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: '{"email":',
      headers: { 'content-type': 'application/json' },
    });
    expect(broken.statusCode).toBe(400);
    const big = await t.app.inject({
      method: 'POST',
      url: '/api/v1/admin/tenants',
      payload: JSON.stringify({ name: 'x'.repeat(1_100_000) }),
      headers: { ...bearer(w.root.token), 'content-type': 'application/json' },
    });
    expect(big.statusCode).toBe(413);
    expect(big.body).not.toMatch(/at .*\.ts:\d+/);
  });

  it('the OpenAPI document lists the identity routes', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/api/openapi.json' })).json();
    for (const p of [
      '/api/v1/admin/tenants',
      '/api/v1/admin/tenants/{id}',
      '/api/v1/users',
      '/api/v1/keys/{id}/rotate',
      '/api/v1/audit',
      '/api/v1/auth/login',
      '/api/admin/provision-user',
    ]) {
      expect(Object.keys(doc.paths)).toContain(p);
    }
  });
});
