// Seed 003: POST /api/admin/provision-user (X-Admin-Key) creates an active user in a tenant with
// a product. The response shape is the seed's contract.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requestContext } from '../identity/context.js';
import { notFound } from '../shared/errors.js';
import type { TenantService } from '../tenants/tenant-service.js';
import { passwordSchema } from '../users/password.js';
import { emailSchema, userSchema } from '../users/user-schemas.js';
import type { UserService } from '../users/user-service.js';

export function provisionRoutes(deps: { users: UserService; tenants: TenantService }) {
  return async function routes(app: FastifyInstance): Promise<void> {
    const r = app.withTypeProvider<ZodTypeProvider>();
    r.post(
      '/api/admin/provision-user',
      {
        config: { access: { services: ['admin'], roles: ['platform_admin'] } },
        schema: {
          tags: ['seed 003'],
          summary: 'Provision an active user in a tenant with a product (X-Admin-Key)',
          body: z.object({
            email: emailSchema,
            password: passwordSchema,
            product_id: z.string().min(1).max(100),
            tenant_id: z.string().min(1).max(100),
          }),
          response: { 201: z.object({ message: z.literal('User provisioned successfully'), user: userSchema }) },
        },
      },
      async (req, reply) => {
        const tenant = await deps.tenants.getById(req.body.tenant_id);
        if (!tenant || tenant.status === 'deleted') throw notFound('tenant');
        const user = await deps.users.create(
          {
            email: req.body.email,
            password: req.body.password,
            productId: req.body.product_id,
            tenantId: tenant.id,
            role: 'tenant_user',
          },
          requestContext(req),
        );
        return reply.status(201).send({ message: 'User provisioned successfully' as const, user });
      },
    );
  };
}
