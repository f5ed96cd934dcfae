// GET /api/v1/usage: the usage log explorer's records, newest first, scoped to the caller.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Database } from '../db/schema.js';
import { TENANT_ROLES } from '../http/access.js';
import { invalid } from '../shared/errors.js';
import { listUsage } from './usage-queries.js';
import { usageItem, usageQuery } from './usage-schemas.js';
import { usageScope } from './usage-scope.js';

export function usageRoutes(deps: { db: Kysely<Database> }) {
  return async function routes(app: FastifyInstance): Promise<void> {
    const r = app.withTypeProvider<ZodTypeProvider>();
    r.get(
      '/api/v1/usage',
      {
        config: { access: { roles: TENANT_ROLES } },
        schema: {
          tags: ['usage'],
          summary: 'Usage records (tenant users see their own)',
          querystring: usageQuery,
          response: { 200: z.object({ items: z.array(usageItem), next_cursor: z.string().nullable() }) },
        },
      },
      async (request) => {
        const q = request.query;
        if (q.from !== undefined && q.to !== undefined && q.from >= q.to) throw invalid('to', 'must be after from');
        const scope = usageScope(request, q.tenant_id, q.user);
        return listUsage(deps.db, {
          ...scope,
          limit: q.limit,
          ...(q.from !== undefined ? { from: q.from } : {}),
          ...(q.to !== undefined ? { to: q.to } : {}),
          ...(q.model ? { model: q.model } : {}),
          ...(q.key ? { keyId: q.key } : {}),
          ...(q.agent ? { agent: q.agent } : {}),
          ...(q.status ? { status: q.status } : {}),
          ...(q.cursor ? { cursor: q.cursor } : {}),
        });
      },
    );
  };
}
