// Pure: who may grant which role. Platform roles live outside any tenant; tenant roles inside one.
import type { Role } from '../identity/ports.js';

export const PLATFORM_ROLES: readonly Role[] = ['platform_admin', 'sales'];
export const TENANT_MEMBER_ROLES: readonly Role[] = ['tenant_admin', 'tenant_user'];

export const isPlatformRole = (r: Role): boolean => PLATFORM_ROLES.includes(r);

/** May `actor` create a user with, or change a user to, `target`? */
export function canAssignRole(actor: Role, target: Role): boolean {
  if (actor === 'platform_admin') return true;
  if (actor === 'tenant_admin') return TENANT_MEMBER_ROLES.includes(target);
  return false;
}

/** A role change must not move a person between the platform and a tenant. */
export function sameRoleClass(a: Role, b: Role): boolean {
  return isPlatformRole(a) === isPlatformRole(b);
}
