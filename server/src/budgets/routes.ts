// Budget routes (admin API): tenant and agent budgets of a tenant, a user's budget, my budget.
// Tenant admins act within their tenant; platform admins name the tenant; another tenant's ids
// answer 404. Every change is written to the audit log (identity's, when wired in).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AuditRecorder } from '../audit/audit-service.js';
import type { Database } from '../db/schema.js';
import { ADMINS, TENANT_ROLES, tenantScope, userOf } from '../http/access.js';
import type { UserPrincipal } from '../identity/ports.js';
import { AppError, invalid, notFound } from '../shared/errors.js';
import { formatMoney, parseMoney } from '../shared/money.js';
import { budgetScopeKey, type BudgetAdmin, type BudgetState } from './budget-admin.js';
import { budgetSchema, budgetView, decimalMoney, periodSchema, userBudgetSchema, userBudgetView } from './schemas.js';
import { findUser, tenantExists, type BudgetUser } from './users-repo.js';

const tags = ['budgets'];

export interface BudgetRoutesContext {
  admin: BudgetAdmin;
  db: Kysely<Database>;
  /** The audit log; absent when the budgets module is built without identity. */
  audit?: AuditRecorder | null;
}

/** What an audit entry shows of a budget: its definition, not the spend that moves all the time. */
const definitionOf = (s: BudgetState | null) => (s ? { limit: formatMoney(s.limit), period: s.period } : null);

async function auditBudget(
  ctx: BudgetRoutesContext,
  req: FastifyRequest,
  action: 'budget.set' | 'budget.remove',
  target: { scopeKey: string; tenantId: string | null },
  before: BudgetState | null,
  after: BudgetState | null,
): Promise<void> {
  await ctx.audit?.record({
    actor: userOf(req),
    tenantId: target.tenantId,
    action,
    targetType: 'budget',
    targetId: target.scopeKey,
    changes: { before: definitionOf(before), after: definitionOf(after) },
    ip: req.ip,
  });
}

/** The user a caller may see: own tenant only (404 otherwise); tenant users only themselves. */
async function visibleUser(
  ctx: BudgetRoutesContext,
  p: UserPrincipal,
  userId: string,
  write: boolean,
): Promise<BudgetUser> {
  const user = await findUser(ctx.db, userId);
  if (!user || user.id !== userId) throw notFound('user');
  if (p.role === 'platform_admin') return user;
  if (p.role === 'tenant_user' && (write || p.userId !== user.id)) throw notFound('user');
  if (!p.tenantId || user.tenantId !== p.tenantId) throw notFound('user');
  return user;
}

export async function budgetRoutes(app: FastifyInstance, ctx: BudgetRoutesContext): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tenantQuery = z.object({ tenant_id: z.string().min(1).max(100).optional() });

  const requiredTenant = async (p: UserPrincipal, requested?: string): Promise<string> => {
    const tenantId = tenantScope(p, requested);
    if (!tenantId) throw invalid('tenant_id', 'is required for platform-level callers');
    if (!(await tenantExists(ctx.db, tenantId))) throw notFound('tenant');
    return tenantId;
  };

  r.get(
    '/api/v1/budgets',
    {
      config: { access: { roles: ADMINS } },
      schema: {
        tags,
        summary: "The tenant's budgets (tenant monthly budget, agent budgets) with this period's spend",
        querystring: tenantQuery,
        response: { 200: z.object({ budgets: z.array(budgetSchema) }) },
      },
    },
    async (req) => {
      const tenantId = await requiredTenant(userOf(req), req.query.tenant_id);
      return { budgets: (await ctx.admin.listForTenant(tenantId)).map(budgetView) };
    },
  );

  r.put(
    '/api/v1/budgets',
    {
      config: { access: { roles: ADMINS } },
      schema: {
        tags,
        summary: 'Set (or with limit null remove) the tenant budget or an agent budget',
        querystring: tenantQuery,
        body: z.object({
          scope: z.enum(['tenant', 'agent']),
          agent: z.string().trim().min(1).max(200).optional(),
          limit: decimalMoney.nullable(),
          period: periodSchema.default('monthly'),
        }),
        response: { 200: z.object({ budget: budgetSchema.nullable() }) },
      },
    },
    async (req) => {
      const tenantId = await requiredTenant(userOf(req), req.query.tenant_id);
      const { scope, agent, limit, period } = req.body;
      if (scope === 'agent' && !agent) throw invalid('agent', 'is required for an agent budget');
      // Naming an agent on the tenant budget is a mistake (meant scope agent?), not a detail to drop.
      if (scope === 'tenant' && agent !== undefined) throw invalid('agent', 'is only for scope "agent"');
      const subject = scope === 'agent' ? agent! : tenantId;
      const scopeKey = budgetScopeKey(scope, tenantId, subject);
      const before = await ctx.admin.state(scopeKey);
      if (limit === null) {
        if (await ctx.admin.remove(scopeKey))
          await auditBudget(ctx, req, 'budget.remove', { scopeKey, tenantId }, before, null);
        return { budget: null };
      }
      const state = await ctx.admin.set({ kind: scope, tenantId, subject, limit: parseMoney(limit), period });
      await auditBudget(ctx, req, 'budget.set', { scopeKey, tenantId }, before, state);
      return { budget: budgetView(state) };
    },
  );

  const userParams = z.object({ id: z.string().min(1).max(100) });

  r.get(
    '/api/v1/users/:id/budget',
    {
      config: { access: { roles: TENANT_ROLES } },
      schema: {
        tags,
        summary: "A user's budget: total, used, remaining, reset date",
        params: userParams,
        response: { 200: userBudgetSchema },
      },
    },
    async (req) => {
      const user = await visibleUser(ctx, userOf(req), req.params.id, false);
      const state = await ctx.admin.state(budgetScopeKey('user', user.tenantId, user.id));
      if (!state) throw new AppError('not_found', 'this user has no budget');
      return userBudgetView(user.id, state);
    },
  );

  r.put(
    '/api/v1/users/:id/budget',
    {
      config: { access: { roles: ADMINS } },
      schema: {
        tags,
        summary: "Set a user's budget (total per period)",
        params: userParams,
        body: z.object({ total: decimalMoney, period: periodSchema.default('monthly') }),
        response: { 200: userBudgetSchema },
      },
    },
    async (req) => {
      const user = await visibleUser(ctx, userOf(req), req.params.id, true);
      const scopeKey = budgetScopeKey('user', user.tenantId, user.id);
      const before = await ctx.admin.state(scopeKey);
      const state = await ctx.admin.set({
        kind: 'user',
        tenantId: user.tenantId,
        subject: user.id,
        limit: parseMoney(req.body.total),
        period: req.body.period,
      });
      await auditBudget(ctx, req, 'budget.set', { scopeKey, tenantId: user.tenantId }, before, state);
      return userBudgetView(user.id, state);
    },
  );

  r.delete(
    '/api/v1/users/:id/budget',
    {
      config: { access: { roles: ADMINS } },
      schema: {
        tags,
        summary: "Remove a user's budget (the user is then limited by the tenant budget and wallet only)",
        params: userParams,
        response: { 204: z.null() },
      },
    },
    async (req, reply) => {
      const user = await visibleUser(ctx, userOf(req), req.params.id, true);
      const scopeKey = budgetScopeKey('user', user.tenantId, user.id);
      const before = await ctx.admin.state(scopeKey);
      if (!before || !(await ctx.admin.remove(scopeKey))) throw new AppError('not_found', 'this user has no budget');
      await auditBudget(ctx, req, 'budget.remove', { scopeKey, tenantId: user.tenantId }, before, null);
      return reply.status(204).send(null);
    },
  );

  r.get(
    '/api/v1/me/budget',
    {
      config: { access: { roles: TENANT_ROLES } },
      schema: { tags, summary: 'My budget: total, used, remaining, reset date', response: { 200: userBudgetSchema } },
    },
    async (req) => {
      const me = userOf(req);
      const state = await ctx.admin.state(budgetScopeKey('user', me.tenantId, me.userId));
      if (!state) throw new AppError('not_found', 'you have no budget');
      return userBudgetView(me.userId, state);
    },
  );
}
