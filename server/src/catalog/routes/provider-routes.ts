// /api/v1/admin/providers: the operator's upstream providers (platform admins only). Keys go in,
// never out: responses show `api_key_set` and at most the last 4 characters.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { PLATFORM } from '../../http/access.js';
import { requestContext } from '../../identity/context.js';
import { providerSpecSchema, providerUpdateSchema } from '../catalog-schema.js';
import type { CatalogService } from '../catalog-service.js';
import { providerViewSchema } from '../catalog-views.js';

const params = z.object({ id: z.string().min(1).max(200) });
const tags = ['catalog'];
const access = { roles: PLATFORM };

export function providerRoutes(catalog: CatalogService) {
  return async function routes(app: FastifyInstance): Promise<void> {
    const r = app.withTypeProvider<ZodTypeProvider>();

    r.get(
      '/api/v1/admin/providers',
      {
        config: { access },
        schema: { tags, summary: 'List providers', response: { 200: z.object({ data: z.array(providerViewSchema) }) } },
      },
      async () => ({ data: await catalog.listProviders() }),
    );

    r.post(
      '/api/v1/admin/providers',
      {
        config: { access },
        schema: { tags, summary: 'Create a provider', body: providerSpecSchema, response: { 201: providerViewSchema } },
      },
      async (req, reply) => {
        const { id, ...fields } = req.body;
        return reply.status(201).send(await catalog.createProvider(id, fields, requestContext(req)));
      },
    );

    r.get(
      '/api/v1/admin/providers/:id',
      {
        config: { access },
        schema: { tags, summary: 'Get a provider', params, response: { 200: providerViewSchema } },
      },
      async (req) => catalog.getProvider(req.params.id),
    );

    r.put(
      '/api/v1/admin/providers/:id',
      {
        config: { access },
        schema: {
          tags,
          summary:
            'Replace a provider (omit api_key or headers to keep the stored ones; api_key null or headers {} clears them)',
          params,
          body: providerUpdateSchema,
          response: { 200: providerViewSchema },
        },
      },
      async (req) => catalog.updateProvider(req.params.id, req.body, requestContext(req)),
    );

    r.delete(
      '/api/v1/admin/providers/:id',
      {
        config: { access },
        schema: { tags, summary: 'Delete a provider no deployment uses', params, response: { 204: z.null() } },
      },
      async (req, reply) => {
        await catalog.deleteProvider(req.params.id, requestContext(req));
        return reply.status(204).send(null);
      },
    );
  };
}
