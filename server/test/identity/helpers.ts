// Shared helpers for identity route tests: tenants and people made through the services (fast),
// logins through the real route.
import { expect } from 'vitest';
import type { Role } from '../../src/identity/ports.js';
import { systemContext } from '../../src/identity/context.js';
import { SUPER_ADMIN, type TestApp } from '../support/app.js';

export const PASSWORD = 'correct-horse-42';

export interface Person {
  id: string;
  email: string;
  token: string;
  role: Role;
  tenantId: string | null;
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

export async function login(t: TestApp, email: string, password: string): Promise<string> {
  const res = await t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password } });
  expect(res.statusCode, res.body).toBe(200);
  return res.json<{ token: string }>().token;
}

export async function rootToken(t: TestApp): Promise<string> {
  return login(t, SUPER_ADMIN.email, SUPER_ADMIN.password);
}

export async function makeTenant(t: TestApp, name: string, status: 'active' | 'pending' | 'suspended' = 'active') {
  return t.identity.tenants.create({ name, status }, systemContext);
}

export async function makePerson(t: TestApp, role: Role, tenantId: string | null, email?: string): Promise<Person> {
  const addr = email ?? `${role}-${Math.random().toString(36).slice(2, 8)}@example.com`;
  const u = await t.identity.users.create({ email: addr, role, tenantId, password: PASSWORD }, systemContext);
  return { id: u.id, email: addr, token: await login(t, addr, PASSWORD), role, tenantId };
}

/** Two tenants, each with an admin and a user, plus a platform admin and a sales person. */
export async function world(t: TestApp) {
  const a = await makeTenant(t, 'Tenant A');
  const b = await makeTenant(t, 'Tenant B');
  return {
    a,
    b,
    root: {
      id: '',
      email: SUPER_ADMIN.email,
      token: await rootToken(t),
      role: 'platform_admin' as Role,
      tenantId: null,
    },
    sales: await makePerson(t, 'sales', null),
    adminA: await makePerson(t, 'tenant_admin', a.id),
    userA: await makePerson(t, 'tenant_user', a.id),
    adminB: await makePerson(t, 'tenant_admin', b.id),
    userB: await makePerson(t, 'tenant_user', b.id),
  };
}

/**
 * A database whose first `executeTakeFirst` (a cache's lookup) hands back its row only after
 * `release()`: `read` settles once the row was read, so a test can change things mid-lookup.
 */
export function holdLookups<D extends object>(db: D): { db: D; read: Promise<void>; release: () => void } {
  let rowRead!: () => void;
  const read = new Promise<void>((r) => (rowRead = r));
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const held = <T extends object>(target: T): T =>
    new Proxy(target, {
      get(obj, prop) {
        const v: unknown = Reflect.get(obj, prop);
        if (typeof v !== 'function') return v;
        if (prop === 'executeTakeFirst')
          return async (...args: unknown[]) => {
            const row: unknown = await (v as (...a: unknown[]) => Promise<unknown>).apply(obj, args);
            rowRead();
            await gate;
            return row;
          };
        return (...args: unknown[]) => {
          const out: unknown = (v as (...a: unknown[]) => unknown).apply(obj, args);
          return typeof out === 'object' && out !== null ? held(out) : out;
        };
      },
    });
  return { db: held(db), read, release };
}
