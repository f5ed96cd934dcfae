// People routes: /api/v1/users (tenant admins in their tenant, platform admins everywhere),
// /api/v1/me. A user outside the caller's reach answers 404, never 403, so ids do not leak.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { SessionAuthenticator } from '../auth/request-authenticator.js';
import type { SessionService } from '../auth/session-service.js';
import { ADMINS, ALL_ROLES, tenantScope, userOf } from '../http/access.js';
import { requestContext } from '../identity/context.js';
import { pageOf, pageQuery } from '../identity/pagination.js';
import type { UserPrincipal } from '../identity/ports.js';
import { AppError, forbidden, notFound } from '../shared/errors.js';
import { tenantSchema } from '../tenants/tenant-schemas.js';
import type { TenantService } from '../tenants/tenant-service.js';
import type { InviteService } from './invite-service.js';
import { passwordSchema, verifyPassword } from './password.js';
import { canAssignRole, isPlatformRole } from './role-rules.js';
import {
  inviteSchema,
  roleSchema,
  USER_STATUSES,
  userCreateSchema,
  userSchema,
  userUpdateSchema,
  type User,
} from './user-schemas.js';
import type { UserService } from './user-service.js';

const idParams = z.object({ id: z.string().min(1).max(100) });
const tags = ['users'];

/** Can `p` see `u`? Platform admins: everyone; tenant admins: their tenant; others: themselves. */
export function canSee(p: UserPrincipal, u: User): boolean {
  if (p.role === 'platform_admin') return true;
  if (p.role === 'tenant_admin') return u.tenant_id !== null && u.tenant_id === p.tenantId;
  return u.id === p.userId;
}

export function userRoutes(deps: {
  users: UserService;
  invites: InviteService;
  tenants: TenantService;
  /** A password change ends the person's other sessions (a stolen session does not survive it). */
  sessions: Pick<SessionService, 'revokeAllForUser'>;
  authenticator: Pick<SessionAuthenticator, 'sessionOf' | 'forgetUser'>;
}) {
  const { users, invites, tenants } = deps;

  async function visible(p: UserPrincipal, id: string): Promise<User> {
    const u = await users.getById(id);
    if (!u || !canSee(p, u)) throw notFound('user');
    return u;
  }

  return async function routes(app: FastifyInstance): Promise<void> {
    const r = app.withTypeProvider<ZodTypeProvider>();

    r.get(
      '/api/v1/users',
      {
        config: { access: { roles: ADMINS } },
        schema: {
          tags,
          summary: 'List people (scoped to your tenant unless platform admin)',
          querystring: z.object({
            tenant_id: z.string().min(1).max(100).optional(),
            role: roleSchema.optional(),
            status: z.enum(USER_STATUSES).optional(),
            search: z.string().trim().min(1).max(200).optional(),
            ...pageQuery,
          }),
          response: { 200: pageOf(userSchema) },
        },
      },
      async (req) => {
        const { tenant_id, ...q } = req.query;
        return users.list({ ...q, tenantId: tenantScope(userOf(req), tenant_id) });
      },
    );

    r.post(
      '/api/v1/users',
      {
        config: { access: { roles: ADMINS } },
        schema: {
          tags,
          summary: 'Create a person; the response holds a one-time invite link',
          body: userCreateSchema,
          response: { 201: z.object({ user: userSchema, invite: inviteSchema }) },
        },
      },
      async (req, reply) => {
        const p = userOf(req);
        const body = req.body;
        if (!canAssignRole(p.role, body.role)) throw forbidden(`you may not create a ${body.role}`);
        const tenantId = isPlatformRole(body.role) ? (body.tenant_id ?? null) : tenantScope(p, body.tenant_id);
        const ctx = requestContext(req);
        const user = await users.create(
          { email: body.email, name: body.name ?? null, role: body.role, tenantId, productId: body.product_id ?? null },
          ctx,
        );
        const invite = await invites.issue(user.id, ctx);
        return reply.status(201).send({ user, invite });
      },
    );

    r.get(
      '/api/v1/users/:id',
      {
        config: { access: { roles: ALL_ROLES } },
        schema: { tags, summary: 'Get a person', params: idParams, response: { 200: userSchema } },
      },
      async (req) => visible(userOf(req), req.params.id),
    );

    r.put(
      '/api/v1/users/:id',
      {
        config: { access: { roles: ADMINS } },
        schema: {
          tags,
          summary: 'Change name, role, status or product',
          params: idParams,
          body: userUpdateSchema,
          response: { 200: userSchema },
        },
      },
      async (req) => {
        const p = userOf(req);
        const target = await visible(p, req.params.id);
        const { role, status } = req.body;
        if (target.id === p.userId && ((role && role !== target.role) || (status && status !== target.status))) {
          throw forbidden('you cannot change your own role or status');
        }
        if (role && !canAssignRole(p.role, role)) throw forbidden(`you may not grant the role ${role}`);
        return users.update(target.id, req.body, requestContext(req));
      },
    );

    r.delete(
      '/api/v1/users/:id',
      {
        config: { access: { roles: ADMINS } },
        schema: {
          tags,
          summary: 'Suspend a person (nothing is hard-deleted)',
          params: idParams,
          response: { 200: userSchema },
        },
      },
      async (req) => {
        const p = userOf(req);
        const target = await visible(p, req.params.id);
        if (target.id === p.userId) throw forbidden('you cannot suspend yourself');
        return users.suspend(target.id, requestContext(req));
      },
    );

    r.post(
      '/api/v1/users/:id/invite',
      {
        config: { access: { roles: ADMINS } },
        schema: {
          tags,
          summary: 'Issue a fresh invite link to a pending person',
          params: idParams,
          response: { 201: inviteSchema },
        },
      },
      async (req, reply) => {
        const target = await visible(userOf(req), req.params.id);
        return reply.status(201).send(await invites.issue(target.id, requestContext(req)));
      },
    );

    r.get(
      '/api/v1/me',
      {
        config: { access: { roles: ALL_ROLES } },
        schema: {
          tags,
          summary: 'The signed-in person and their tenant',
          response: { 200: z.object({ user: userSchema, tenant: tenantSchema.nullable() }) },
        },
      },
      async (req) => {
        const p = userOf(req);
        const user = await users.getById(p.userId);
        if (!user) throw notFound('user');
        return { user, tenant: user.tenant_id ? await tenants.getById(user.tenant_id) : null };
      },
    );

    r.put(
      '/api/v1/me/password',
      {
        config: { access: { roles: ALL_ROLES } },
        schema: {
          tags,
          summary: 'Change your password (your other sessions are signed out)',
          body: z.object({ current_password: z.string().min(1).max(256), new_password: passwordSchema }),
          response: { 200: z.object({ message: z.string() }) },
        },
      },
      async (req) => {
        const p = userOf(req);
        const row = await users.rowByEmail(p.email);
        if (!row || !(await verifyPassword(row.password_hash, req.body.current_password))) {
          throw new AppError('validation_error', 'current_password: is not correct', { field: 'current_password' });
        }
        await users.setPassword(p.userId, req.body.new_password, requestContext(req));
        // Every other session of the person ends (JWTs and refresh tokens); this one stays.
        const current = await deps.authenticator.sessionOf(req);
        await deps.sessions.revokeAllForUser(p.userId, current?.sid);
        deps.authenticator.forgetUser(p.userId);
        return { message: 'password changed; your other sessions were signed out' };
      },
    );
  };
}
