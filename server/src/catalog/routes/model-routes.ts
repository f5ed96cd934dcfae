// /api/v1/admin/models: public model names with their deployments nested (platform admins only).
// A model's `pricing` (and a deployment's) is applied through the money module's price versions.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { PLATFORM } from '../../http/access.js';
import { requestContext } from '../../identity/context.js';
import { modelSpecSchema, modelUpdateSchema } from '../catalog-schema.js';
import type { CatalogService } from '../catalog-service.js';
import { modelViewSchema } from '../catalog-views.js';

// Model names may contain "/" (e.g. "meta/llama-3"): clients send it URL-encoded as %2F.
const params = z.object({ name: z.string().min(1).max(200) });
const tags = ['catalog'];
const access = { roles: PLATFORM };

export function modelRoutes(catalog: CatalogService) {
  return async function routes(app: FastifyInstance): Promise<void> {
    const r = app.withTypeProvider<ZodTypeProvider>();

    r.get(
      '/api/v1/admin/models',
      {
        config: { access },
        schema: {
          tags,
          summary: 'List models and their deployments',
          response: { 200: z.object({ data: z.array(modelViewSchema) }) },
        },
      },
      async () => ({ data: await catalog.listModels() }),
    );

    r.post(
      '/api/v1/admin/models',
      {
        config: { access },
        schema: {
          tags,
          summary: 'Create a model with its deployments',
          body: modelSpecSchema,
          response: { 201: modelViewSchema },
        },
      },
      async (req, reply) => {
        const { name, ...fields } = req.body;
        return reply.status(201).send(await catalog.createModel(name, fields, requestContext(req)));
      },
    );

    r.get(
      '/api/v1/admin/models/:name',
      {
        config: { access },
        schema: { tags, summary: 'Get a model', params, response: { 200: modelViewSchema } },
      },
      async (req) => catalog.getModel(req.params.name),
    );

    r.put(
      '/api/v1/admin/models/:name',
      {
        config: { access },
        schema: {
          tags,
          summary: 'Replace a model; its deployments become exactly those given',
          params,
          body: modelUpdateSchema,
          response: { 200: modelViewSchema },
        },
      },
      async (req) => catalog.updateModel(req.params.name, req.body, requestContext(req)),
    );

    r.delete(
      '/api/v1/admin/models/:name',
      {
        config: { access },
        schema: { tags, summary: 'Delete a model and its deployments', params, response: { 204: z.null() } },
      },
      async (req, reply) => {
        await catalog.deleteModel(req.params.name, requestContext(req));
        return reply.status(204).send(null);
      },
    );
  };
}
