// Tenant routes: seed 000's /api/v1/admin/tenants (platform) and /api/v1/tenant (the caller's own).
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { PLATFORM, tenantScope, userOf } from '../http/access.js';
import { requestContext } from '../identity/context.js';
import { pageOf, pageQuery } from '../identity/pagination.js';
import { notFound } from '../shared/errors.js';
import {
  ownTenantPatchSchema,
  ownTenantUpdateSchema,
  PLATFORM_SETTINGS,
  TENANT_STATUSES,
  TENANT_TYPES,
  tenantCreateSchema,
  tenantPatchSchema,
  tenantSchema,
  tenantUpdateSchema,
} from './tenant-schemas.js';
import type { TenantService } from './tenant-service.js';

const idParams = z.object({ id: z.string().min(1).max(100) });
const tags = ['tenants'];

export function tenantRoutes(tenants: TenantService) {
  return async function routes(app: FastifyInstance): Promise<void> {
    const r = app.withTypeProvider<ZodTypeProvider>();

    r.get(
      '/api/v1/admin/tenants',
      {
        config: { access: { roles: ['platform_admin', 'sales'] } },
        schema: {
          tags,
          summary: 'List tenants',
          querystring: z.object({
            status: z.enum(TENANT_STATUSES).optional(),
            type: z.enum(TENANT_TYPES).optional(),
            search: z.string().trim().min(1).max(200).optional(),
            ...pageQuery,
          }),
          response: { 200: pageOf(tenantSchema) },
        },
      },
      async (req) => tenants.list(req.query),
    );

    r.post(
      '/api/v1/admin/tenants',
      {
        config: { access: { roles: PLATFORM } },
        schema: { tags, summary: 'Create a tenant', body: tenantCreateSchema, response: { 201: tenantSchema } },
      },
      async (req, reply) => reply.status(201).send(await tenants.create(req.body, requestContext(req))),
    );

    r.get(
      '/api/v1/admin/tenants/:id',
      {
        config: { access: { roles: ['platform_admin', 'sales', 'tenant_admin'] } },
        schema: { tags, summary: 'Get a tenant', params: idParams, response: { 200: tenantSchema } },
      },
      async (req) => {
        // A tenant admin may read only their own tenant; any other id is "not found".
        tenantScope(userOf(req), req.params.id);
        const t = await tenants.getById(req.params.id);
        if (!t) throw notFound('tenant');
        return t;
      },
    );

    r.put(
      '/api/v1/admin/tenants/:id',
      {
        config: { access: { roles: PLATFORM } },
        schema: {
          tags,
          summary: 'Update a tenant',
          params: idParams,
          body: tenantUpdateSchema,
          response: { 200: tenantSchema },
        },
      },
      async (req) => tenants.update(req.params.id, req.body, requestContext(req)),
    );

    r.patch(
      '/api/v1/admin/tenants/:id',
      {
        config: { access: { roles: PLATFORM } },
        schema: {
          tags,
          summary: 'Update a tenant; `settings` is a JSON Merge Patch (RFC 7396): only the keys sent change',
          params: idParams,
          body: tenantPatchSchema,
          response: { 200: tenantSchema },
        },
      },
      async (req) => tenants.update(req.params.id, req.body, requestContext(req), { mergeSettings: true }),
    );

    r.delete(
      '/api/v1/admin/tenants/:id',
      {
        config: { access: { roles: PLATFORM } },
        schema: {
          tags,
          summary: 'Deactivate a tenant (status=deleted; nothing is hard-deleted)',
          params: idParams,
          response: { 200: tenantSchema },
        },
      },
      async (req) => tenants.deactivate(req.params.id, requestContext(req)),
    );

    r.get(
      '/api/v1/tenant',
      {
        config: { access: { roles: ['tenant_admin', 'tenant_user'] } },
        schema: { tags, summary: "The caller's own tenant", response: { 200: tenantSchema } },
      },
      async (req) => {
        const t = await tenants.getById(tenantScope(userOf(req)) ?? '');
        if (!t) throw notFound('tenant');
        return t;
      },
    );

    r.put(
      '/api/v1/tenant',
      {
        config: { access: { roles: ['tenant_admin'] } },
        schema: {
          tags,
          summary: "Edit the caller's own tenant (name, domain, settings; `settings.rate_limit` is the platform's)",
          body: ownTenantUpdateSchema,
          response: { 200: tenantSchema },
        },
      },
      async (req) =>
        tenants.update(tenantScope(userOf(req)) ?? '', req.body, requestContext(req), {
          keepSettings: PLATFORM_SETTINGS,
        }),
    );

    r.patch(
      '/api/v1/tenant',
      {
        config: { access: { roles: ['tenant_admin'] } },
        schema: {
          tags,
          summary:
            "Edit the caller's own tenant; `settings` is a JSON Merge Patch (RFC 7396); `settings.rate_limit` is the platform's",
          body: ownTenantPatchSchema,
          response: { 200: tenantSchema },
        },
      },
      async (req) =>
        tenants.update(tenantScope(userOf(req)) ?? '', req.body, requestContext(req), {
          mergeSettings: true,
          keepSettings: PLATFORM_SETTINGS,
        }),
    );
  };
}
