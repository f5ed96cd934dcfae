// Seed 003 `POST /api/check-budget` (X-API-Key): may this user make a call of about this cost?
// Advisory (nothing is reserved): the user and the tenant must be active (as the gateway's key
// check requires), and the user's budget, the tenant budget and the wallet must all cover the
// estimate. Body and response exactly as in the seed; money in the response is a JSON number
// rounded to 2 decimals.
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Database } from '../db/schema.js';
import { budgetScopeKey, type BudgetAdmin } from '../budgets/budget-admin.js';
import { findUser, walletAvailable } from '../budgets/users-repo.js';
import type { PriceCatalog } from '../pricing/ports.js';
import { notFound } from '../shared/errors.js';
import { moneyFromNumber, moneyToNumber, type Nano } from '../shared/money.js';

export interface CheckBudgetContext {
  admin: BudgetAdmin;
  db: Kysely<Database>;
  /** The catalog, resolved lazily (it belongs to the money module). */
  pricing: () => PriceCatalog | undefined;
  now: () => number;
}

// The estimate fields are optional; null (a caller's None) counts as absent.
const body = z.object({
  user_id: z.string().trim().min(1).max(320),
  model: z.string().trim().min(1).max(200),
  tokens_input: z.number().int().min(0).max(100_000_000).nullish(),
  tokens_output: z.number().int().min(0).max(100_000_000).nullish(),
  cost_estimate: z.number().min(0).max(1_000_000_000).nullish(),
});

const response = z.object({
  allowed: z.boolean(),
  budget: z.object({ total: z.number(), used: z.number(), remaining: z.number() }),
  status: z.string(),
  message: z.string(),
});

const money = (v: Nano) => moneyToNumber(v, 2);

/**
 * A body without cost_estimate or token counts still asks for a call, and every call costs
 * something: it needs at least one nano-unit left, so an exhausted budget or an empty prepaid
 * wallet refuses it (0 < 0 never would).
 */
const UNKNOWN_ESTIMATE: Nano = 1n;

export async function checkBudgetRoutes(app: FastifyInstance, ctx: CheckBudgetContext): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.post(
    '/api/check-budget',
    {
      config: { access: { services: ['billing'] } },
      schema: {
        tags: ['billing-api'],
        summary: 'Seed 003: check a user budget before a call (X-API-Key)',
        security: [{ billingKey: [] }],
        body,
        response: { 200: response },
      },
    },
    async (req) => {
      const b = req.body;
      const user = await findUser(ctx.db, b.user_id);
      if (!user) throw notFound('user');
      const now = ctx.now();

      let estimate: Nano | null = UNKNOWN_ESTIMATE;
      if (b.cost_estimate != null) estimate = moneyFromNumber(b.cost_estimate);
      else if (b.tokens_input != null || b.tokens_output != null) {
        const catalog = ctx.pricing();
        estimate =
          user.tenantId && catalog
            ? catalog.upperBound(user.tenantId, b.model, b.tokens_input ?? 0, b.tokens_output ?? 0, now)
            : null;
      }

      const userBudget = await ctx.admin.state(budgetScopeKey('user', user.tenantId, user.id));
      const tenantBudget = user.tenantId
        ? await ctx.admin.state(budgetScopeKey('tenant', user.tenantId, user.tenantId))
        : null;
      const wallet = user.tenantId ? await walletAvailable(ctx.db, user.tenantId) : 0n;
      // Without a user budget the wallet is what limits the user: show it as the budget.
      const budget = userBudget
        ? { total: money(userBudget.limit), used: money(userBudget.spent), remaining: money(userBudget.remaining) }
        : { total: money(wallet > 0n ? wallet : 0n), used: 0, remaining: money(wallet > 0n ? wallet : 0n) };

      const refuse = (message: string) => ({ allowed: false, budget, status: user.status, message });
      if (user.status !== 'active') return refuse(`User is ${user.status}`);
      // As the gateway's key check: only an active tenant may spend.
      if (user.tenantId && user.tenantStatus !== 'active')
        return refuse(`Organization is ${user.tenantStatus ?? 'not active'}`);
      if (estimate === null) return refuse(`Model ${b.model} has no price`);
      if (userBudget && userBudget.remaining < estimate) return refuse('User budget exceeded');
      if (tenantBudget && tenantBudget.remaining < estimate) return refuse('Organization budget exceeded');
      if (wallet < estimate) return refuse('Insufficient wallet balance');
      return { allowed: true, budget, status: user.status, message: 'OK' };
    },
  );
}
