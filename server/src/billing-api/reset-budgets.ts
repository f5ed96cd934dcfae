// Seed 003 `POST /api/admin/reset-budgets` (X-Admin-Key): start a new period now for every user
// budget (the monthly cron / n8n workflow calls it). Spend so far stays as history on the old
// period's counter.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { BudgetAdmin } from '../budgets/budget-admin.js';
import type { AuditRecorder } from '../audit/audit-service.js';

export async function resetBudgetsRoutes(
  app: FastifyInstance,
  ctx: { admin: BudgetAdmin; audit?: AuditRecorder | null },
): Promise<void> {
  app.withTypeProvider<ZodTypeProvider>().post(
    '/api/admin/reset-budgets',
    {
      config: { access: { services: ['admin'] } },
      schema: {
        tags: ['billing-api'],
        summary: 'Seed 003: reset all user budgets (X-Admin-Key)',
        security: [{ adminKey: [] }],
        response: { 200: z.object({ message: z.string(), reset: z.number().int() }) },
      },
    },
    async (req) => {
      const reset = await ctx.admin.resetUserBudgets();
      await ctx.audit?.record({
        actor: req.principal!,
        tenantId: null,
        action: 'budget.reset',
        targetType: 'budget',
        changes: { after: { user_budgets_reset: reset } },
        ip: req.ip,
      });
      return { message: 'Budgets reset successfully', reset };
    },
  );
}
