// Company self-registration (seed 001): a tenant (pending or active by configuration, slug from
// the name) and its first tenant admin. An active tenant gets a session at once; a pending one
// waits for a platform admin's approval.
import { systemContext, type ActionContext } from '../identity/context.js';
import { AppError } from '../shared/errors.js';
import type { Tenant } from '../tenants/tenant-schemas.js';
import type { TenantService } from '../tenants/tenant-service.js';
import type { User } from '../users/user-schemas.js';
import type { UserService } from '../users/user-service.js';
import type { LoginResult, LoginService } from './login-service.js';
import type { SessionMeta } from './session-service.js';
import type { RegisterBody } from './auth-schemas.js';

export interface RegisterResult {
  tenant: Tenant;
  user: User;
  login: LoginResult | null;
}

export function createRegisterService(deps: {
  tenants: TenantService;
  users: UserService;
  login: LoginService;
  enabled: boolean;
  tenantStatus: 'pending' | 'active';
}) {
  return {
    async register(body: RegisterBody, meta: SessionMeta): Promise<RegisterResult> {
      if (!deps.enabled) throw new AppError('forbidden', 'self-registration is disabled on this deployment');
      // Fail on a taken email before creating a tenant that would be left without an admin.
      if (await deps.users.findByEmail(body.email))
        throw new AppError('conflict', `a user with email ${body.email} already exists`);
      const ctx: ActionContext = { actor: systemContext.actor, ip: meta.ip ?? null };
      const profile = Object.fromEntries(
        Object.entries({
          description: body.description,
          website: body.website,
          phone: body.phone,
          address: body.address,
        }).filter(([, v]) => v !== undefined),
      );
      const tenant = await deps.tenants.create(
        {
          name: body.name,
          type: 'customer',
          status: deps.tenantStatus,
          settings: { profile, contact_email: body.email },
        },
        ctx,
      );
      let user: User;
      try {
        user = await deps.users.create(
          { email: body.email, name: body.name, role: 'tenant_admin', tenantId: tenant.id, password: body.password },
          ctx,
        );
      } catch (e) {
        // Lost a race on the email: retire the tenant we just made rather than leave it orphaned.
        await deps.tenants.deactivate(tenant.id, ctx);
        throw e;
      }
      const login = tenant.status === 'active' ? await deps.login.issue(user, meta) : null;
      return { tenant, user, login };
    },
  };
}
