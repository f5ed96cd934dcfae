// API key routes. Tenant admins manage every key of their tenant; tenant users only their own;
// platform admins all. A key outside the caller's reach answers 404.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { TENANT_ROLES, tenantScope, userOf } from '../http/access.js';
import { requestContext } from '../identity/context.js';
import { pageOf, pageQuery } from '../identity/pagination.js';
import type { UserPrincipal } from '../identity/ports.js';
import { AppError, forbidden, invalid, notFound } from '../shared/errors.js';
import type { UserService } from '../users/user-service.js';
import { apiKeySchema, keyCreateSchema, keyUpdateSchema, keyWithSecretSchema, type ApiKey } from './key-schemas.js';
import type { KeyService } from './key-service.js';

const idParams = z.object({ id: z.string().min(1).max(100) });
const tags = ['keys'];

export function canSeeKey(p: UserPrincipal, k: Pick<ApiKey, 'tenant_id' | 'user_id'>): boolean {
  if (p.role === 'platform_admin') return true;
  if (p.role === 'tenant_admin') return k.tenant_id === p.tenantId;
  return k.user_id === p.userId;
}

export function keyRoutes(deps: { keys: KeyService; users: UserService }) {
  const { keys, users } = deps;

  async function visible(p: UserPrincipal, id: string): Promise<ApiKey> {
    const k = await keys.getById(id);
    if (!k || !canSeeKey(p, k)) throw notFound('API key');
    return k;
  }

  /** Who will own the new key: tenant users themselves; admins anyone in reach. */
  async function ownerFor(
    p: UserPrincipal,
    requested: string | undefined,
  ): Promise<{ userId: string; tenantId: string }> {
    if (p.role === 'tenant_user' && requested && requested !== p.userId)
      throw forbidden('you may only create keys for yourself');
    const ownerId = requested ?? (p.role === 'platform_admin' ? undefined : p.userId);
    if (!ownerId) throw invalid('user_id', 'required: a key belongs to a person in a tenant');
    const owner = await users.getById(ownerId);
    if (!owner || (p.role !== 'platform_admin' && owner.tenant_id !== p.tenantId)) throw notFound('user');
    if (!owner.tenant_id) throw invalid('user_id', 'the owner must belong to a tenant');
    if (owner.status === 'suspended') throw new AppError('unprocessable', 'the owner is suspended');
    return { userId: owner.id, tenantId: owner.tenant_id };
  }

  return async function routes(app: FastifyInstance): Promise<void> {
    const r = app.withTypeProvider<ZodTypeProvider>();

    r.post(
      '/api/v1/keys',
      {
        config: { access: { roles: TENANT_ROLES } },
        schema: {
          tags,
          summary: 'Create an API key; the secret is returned once',
          body: keyCreateSchema,
          response: { 201: keyWithSecretSchema },
        },
      },
      async (req, reply) => {
        const { user_id, ...input } = req.body;
        const owner = await ownerFor(userOf(req), user_id);
        return reply.status(201).send(await keys.create(input, owner, requestContext(req)));
      },
    );

    r.get(
      '/api/v1/keys',
      {
        config: { access: { roles: TENANT_ROLES } },
        schema: {
          tags,
          summary: 'List API keys (never the secrets)',
          querystring: z.object({
            tenant_id: z.string().min(1).max(100).optional(),
            user_id: z.string().min(1).max(100).optional(),
            status: z.enum(['active', 'revoked', 'expired']).optional(),
            ...pageQuery,
          }),
          response: { 200: pageOf(apiKeySchema) },
        },
      },
      async (req) => {
        const p = userOf(req);
        const { tenant_id, user_id, ...q } = req.query;
        const tenantId = tenantScope(p, tenant_id);
        if (p.role === 'tenant_user' && user_id && user_id !== p.userId) return { items: [], next_cursor: null };
        const userId = p.role === 'tenant_user' ? p.userId : user_id;
        return keys.list({ ...q, tenantId, ...(userId ? { userId } : {}) });
      },
    );

    r.get(
      '/api/v1/keys/:id',
      {
        config: { access: { roles: TENANT_ROLES } },
        schema: { tags, summary: 'Get an API key', params: idParams, response: { 200: apiKeySchema } },
      },
      async (req) => visible(userOf(req), req.params.id),
    );

    r.patch(
      '/api/v1/keys/:id',
      {
        config: { access: { roles: TENANT_ROLES } },
        schema: {
          tags,
          summary: 'Edit name, limits, models or expiry',
          params: idParams,
          body: keyUpdateSchema,
          response: { 200: apiKeySchema },
        },
      },
      async (req) => {
        const k = await visible(userOf(req), req.params.id);
        return keys.update(k.id, req.body, requestContext(req));
      },
    );

    r.post(
      '/api/v1/keys/:id/revoke',
      {
        config: { access: { roles: TENANT_ROLES } },
        schema: { tags, summary: 'Revoke an API key', params: idParams, response: { 200: apiKeySchema } },
      },
      async (req) => {
        const k = await visible(userOf(req), req.params.id);
        return keys.revoke(k.id, requestContext(req));
      },
    );

    r.post(
      '/api/v1/keys/:id/rotate',
      {
        config: { access: { roles: TENANT_ROLES } },
        schema: {
          tags,
          summary: 'Replace the secret: a new key with the same settings; the old one is revoked',
          params: idParams,
          response: { 201: keyWithSecretSchema },
        },
      },
      async (req, reply) => {
        const k = await visible(userOf(req), req.params.id);
        return reply.status(201).send(await keys.rotate(k.id, requestContext(req)));
      },
    );
  };
}
