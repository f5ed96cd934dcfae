// Shared set-up of the money route tests: the whole app on a manual clock, two tenants, and
// signed-in people of every role (tokens in `tok`), with small request helpers.
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, expect } from 'vitest';
import type { DialectName } from '../../src/db/database.js';
import { systemContext } from '../../src/identity/context.js';
import type { Role } from '../../src/identity/ports.js';
import { SUPER_ADMIN } from '../support/app.js';
import { createMoneyTestApp, type MoneyTestApp } from './money-app.js';

export const PASSWORD = 'correct-horse-42';
export type Who = 'root' | 'sales' | 'adminA' | 'userA' | 'adminB';

export interface MoneyRoutesFixture {
  readonly t: MoneyTestApp;
  readonly tenantA: string;
  readonly tenantB: string;
  readonly tok: Record<Who, string>;
  login(email: string, password: string): Promise<string>;
  person(role: Role, tenantId: string | null): Promise<string>;
  call(who: Who | null, opts: InjectOptions): Promise<LightMyRequestResponse>;
  adjust(
    tenantId: string,
    payload: unknown,
    headers?: Record<string, string>,
    who?: Who,
  ): Promise<LightMyRequestResponse>;
}

/** Call inside a suite: registers beforeAll/afterAll and returns the fixture (usable in tests). */
export function moneyRoutesFixture(dialect: DialectName): MoneyRoutesFixture {
  let t: MoneyTestApp;
  let tenantA = '';
  let tenantB = '';
  const tok: Record<Who, string> = { root: '', sales: '', adminA: '', userA: '', adminB: '' };

  async function login(email: string, password: string): Promise<string> {
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password } });
    expect(res.statusCode, res.body).toBe(200);
    return res.json<{ token: string }>().token;
  }
  async function person(role: Role, tenantId: string | null): Promise<string> {
    const email = `${role}-${Math.random().toString(36).slice(2, 8)}@example.com`;
    await t.identity.users.create({ email, role, tenantId, password: PASSWORD }, systemContext);
    return login(email, PASSWORD);
  }
  const call = (who: Who | null, opts: InjectOptions) =>
    t.app.inject({
      ...opts,
      headers: { ...(who ? { authorization: `Bearer ${tok[who]}` } : {}), ...(opts.headers ?? {}) },
    });

  beforeAll(async () => {
    t = await createMoneyTestApp(dialect);
    tenantA = (await t.identity.tenants.create({ name: 'Tenant A', status: 'active' }, systemContext)).id;
    tenantB = (await t.identity.tenants.create({ name: 'Tenant B', status: 'active' }, systemContext)).id;
    tok.root = await login(SUPER_ADMIN.email, SUPER_ADMIN.password);
    tok.sales = await person('sales', null);
    tok.adminA = await person('tenant_admin', tenantA);
    tok.userA = await person('tenant_user', tenantA);
    tok.adminB = await person('tenant_admin', tenantB);
  });
  afterAll(async () => t.close());

  return {
    get t() {
      return t;
    },
    get tenantA() {
      return tenantA;
    },
    get tenantB() {
      return tenantB;
    },
    tok,
    login,
    person,
    call,
    adjust: (tenantId, payload, headers = {}, who = 'root') =>
      call(who, {
        method: 'POST',
        url: `/api/v1/admin/tenants/${tenantId}/wallet/adjustments`,
        payload: payload as object,
        headers,
      }),
  };
}
