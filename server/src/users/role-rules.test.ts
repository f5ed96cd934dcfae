import { describe, expect, it } from 'vitest';
import { ROLES } from '../identity/ports.js';
import { canAssignRole, sameRoleClass } from './role-rules.js';

describe('role rules', () => {
  it('platform admins grant anything; tenant admins only tenant roles; others nothing', () => {
    const table = Object.fromEntries(ROLES.map((actor) => [actor, ROLES.filter((r) => canAssignRole(actor, r))]));
    expect(table).toEqual({
      platform_admin: ['platform_admin', 'sales', 'tenant_admin', 'tenant_user'],
      sales: [],
      tenant_admin: ['tenant_admin', 'tenant_user'],
      tenant_user: [],
    });
  });

  it('keeps people on their side of the platform/tenant line', () => {
    expect(sameRoleClass('tenant_user', 'tenant_admin')).toBe(true);
    expect(sameRoleClass('sales', 'platform_admin')).toBe(true);
    expect(sameRoleClass('tenant_admin', 'platform_admin')).toBe(false);
  });
});
