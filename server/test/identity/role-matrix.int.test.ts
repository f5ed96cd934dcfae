// The role matrix: every identity route × every kind of caller → the expected status. Targets are
// inside the caller's tenant, so the status reflects the role rule alone (cross-tenant cases live
// in tenancy.int.test.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemContext } from '../../src/identity/context.js';
import { BILLING_API_KEY, createTestApp, type TestApp } from '../support/app.js';
import { bearer, PASSWORD, world } from './helpers.js';

type Caller = 'platform' | 'sales' | 'tadmin' | 'tuser' | 'anon' | 'billing';
const CALLERS: Caller[] = ['platform', 'sales', 'tadmin', 'tuser', 'anon', 'billing'];

let t: TestApp;
let w: Awaited<ReturnType<typeof world>>;
let n = 0;
const uniq = () => `m${++n}-${Date.now()}`;

beforeAll(async () => {
  t = await createTestApp('sqlite');
  w = await world(t);
});
afterAll(async () => t?.close());

const freshUser = async () =>
  (
    await t.identity.users.create(
      { email: `${uniq()}@example.com`, role: 'tenant_user', tenantId: w.a.id, password: PASSWORD },
      systemContext,
    )
  ).id;
const keyOfUserA = async () =>
  (await t.identity.apiKeys.create({ name: uniq() }, { userId: w.userA.id, tenantId: w.a.id }, systemContext)).key.id;

interface Row {
  name: string;
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: () => Promise<string> | string;
  body?: () => Record<string, unknown>;
  expect: Record<Caller, number>;
}

const E = (platform: number, sales: number, tadmin: number, tuser: number): Record<Caller, number> => ({
  platform,
  sales,
  tadmin,
  tuser,
  anon: 401,
  billing: 403,
});

const ROWS: Row[] = [
  { name: 'list tenants', method: 'GET', url: () => '/api/v1/admin/tenants', expect: E(200, 200, 403, 403) },
  {
    name: 'create tenant',
    method: 'POST',
    url: () => '/api/v1/admin/tenants',
    body: () => ({ name: uniq() }),
    expect: E(201, 403, 403, 403),
  },
  { name: 'get tenant', method: 'GET', url: () => `/api/v1/admin/tenants/${w.a.id}`, expect: E(200, 200, 200, 403) },
  {
    name: 'update tenant',
    method: 'PUT',
    url: () => `/api/v1/admin/tenants/${w.a.id}`,
    body: () => ({ billing_plan: 'pro' }),
    expect: E(200, 403, 403, 403),
  },
  {
    name: 'delete tenant',
    method: 'DELETE',
    url: async () => `/api/v1/admin/tenants/${(await t.identity.tenants.create({ name: uniq() }, systemContext)).id}`,
    expect: E(200, 403, 403, 403),
  },
  { name: 'own tenant', method: 'GET', url: () => '/api/v1/tenant', expect: E(403, 403, 200, 200) },
  {
    name: 'edit own tenant',
    method: 'PUT',
    url: () => '/api/v1/tenant',
    body: () => ({ name: 'Tenant A' }),
    expect: E(403, 403, 200, 403),
  },
  { name: 'list users', method: 'GET', url: () => '/api/v1/users', expect: E(200, 403, 200, 403) },
  {
    name: 'create user',
    method: 'POST',
    url: () => '/api/v1/users',
    body: () => ({ email: `${uniq()}@example.com`, role: 'tenant_user', tenant_id: w.a.id }),
    expect: E(201, 403, 201, 403),
  },
  {
    name: 'get user (tenant user: self)',
    method: 'GET',
    url: () => `/api/v1/users/${w.userA.id}`,
    expect: E(200, 404, 200, 200),
  },
  {
    name: 'update user',
    method: 'PUT',
    url: () => `/api/v1/users/${w.userA.id}`,
    body: () => ({ name: 'User A' }),
    expect: E(200, 403, 200, 403),
  },
  {
    name: 'suspend user',
    method: 'DELETE',
    url: async () => `/api/v1/users/${await freshUser()}`,
    expect: E(200, 403, 200, 403),
  },
  { name: 'me', method: 'GET', url: () => '/api/v1/me', expect: E(200, 200, 200, 200) },
  { name: 'list keys', method: 'GET', url: () => '/api/v1/keys', expect: E(200, 403, 200, 200) },
  {
    name: 'create key for user A',
    method: 'POST',
    url: () => '/api/v1/keys',
    body: () => ({ name: uniq(), user_id: w.userA.id }),
    expect: E(201, 403, 201, 201),
  },
  {
    name: 'get key',
    method: 'GET',
    url: async () => `/api/v1/keys/${await keyOfUserA()}`,
    expect: E(200, 403, 200, 200),
  },
  {
    name: 'patch key',
    method: 'PATCH',
    url: async () => `/api/v1/keys/${await keyOfUserA()}`,
    body: () => ({ rpm: 10 }),
    expect: E(200, 403, 200, 200),
  },
  {
    name: 'revoke key',
    method: 'POST',
    url: async () => `/api/v1/keys/${await keyOfUserA()}/revoke`,
    expect: E(200, 403, 200, 200),
  },
  {
    name: 'rotate key',
    method: 'POST',
    url: async () => `/api/v1/keys/${await keyOfUserA()}/rotate`,
    expect: E(201, 403, 201, 201),
  },
  { name: 'audit', method: 'GET', url: () => '/api/v1/audit', expect: E(200, 403, 200, 403) },
  {
    name: 'provision-user',
    method: 'POST',
    url: () => '/api/admin/provision-user',
    body: () => ({
      email: `${uniq()}@example.com`,
      password: 'secure-password',
      product_id: 'prod_1',
      tenant_id: w.a.id,
    }),
    expect: E(201, 403, 403, 403),
  },
];

function headersFor(c: Caller): Record<string, string> {
  switch (c) {
    case 'platform':
      return bearer(w.root.token);
    case 'sales':
      return bearer(w.sales.token);
    case 'tadmin':
      return bearer(w.adminA.token);
    case 'tuser':
      return bearer(w.userA.token);
    case 'billing':
      return { 'x-api-key': BILLING_API_KEY };
    case 'anon':
      return {};
  }
}

describe('role matrix', () => {
  it.each(ROWS.map((r) => [r.name, r] as const))('%s', async (_name, row) => {
    const got: Record<string, number> = {};
    for (const c of CALLERS) {
      const res = await t.app.inject({
        method: row.method,
        url: await row.url(),
        headers: headersFor(c),
        ...(row.body ? { payload: row.body() } : {}),
      });
      got[c] = res.statusCode;
      if (res.statusCode >= 400) expect(res.json().error.code, res.body).toBeTypeOf('string');
    }
    expect(got).toEqual(row.expect);
  });
});
