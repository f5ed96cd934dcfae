// GET /api/v1/audit: platform admins read everything (optionally one tenant); tenant admins their
// own tenant only.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ADMINS, tenantScope, userOf } from '../http/access.js';
import { pageQuery } from '../identity/pagination.js';
import { invalid } from '../shared/errors.js';
import { instantParam } from '../shared/iso-time.js';
import { auditPageSchema, type AuditService } from './audit-service.js';

export function auditRoutes(audit: AuditService) {
  return async function routes(app: FastifyInstance): Promise<void> {
    const r = app.withTypeProvider<ZodTypeProvider>();
    r.get(
      '/api/v1/audit',
      {
        config: { access: { roles: ADMINS } },
        schema: {
          tags: ['audit'],
          summary: 'Audit log, newest first',
          querystring: z.object({
            tenant_id: z.string().min(1).max(100).optional(),
            action: z.string().min(1).max(100).optional(),
            actor_id: z.string().min(1).max(100).optional(),
            target_type: z.string().min(1).max(100).optional(),
            target_id: z.string().min(1).max(100).optional(),
            from: instantParam(false).optional().describe('inclusive: epoch ms, YYYY-MM-DD or ISO date-time'),
            to: instantParam(true)
              .optional()
              .describe('epoch ms or ISO date-time (exclusive), or YYYY-MM-DD (inclusive day)'),
            ...pageQuery,
          }),
          response: { 200: auditPageSchema },
        },
      },
      async (req) => {
        const q = req.query;
        if (q.from !== undefined && q.to !== undefined && q.from >= q.to) throw invalid('to', 'must be after from');
        return audit.list({
          tenantId: tenantScope(userOf(req), q.tenant_id),
          limit: q.limit,
          ...(q.cursor ? { cursor: q.cursor } : {}),
          ...(q.action ? { action: q.action } : {}),
          ...(q.actor_id ? { actorId: q.actor_id } : {}),
          ...(q.target_type ? { targetType: q.target_type } : {}),
          ...(q.target_id ? { targetId: q.target_id } : {}),
          ...(q.from !== undefined ? { from: q.from } : {}),
          ...(q.to !== undefined ? { to: q.to } : {}),
        });
      },
    );
  };
}
