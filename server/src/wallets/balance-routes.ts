// Seed 001's balance contract: GET /v1/billing/balance for any tenant user, and
// POST /v1/billing/balance {amount, operation: CREDIT|DEBIT} for platform admins (JWT) and the
// admin service key (X-Admin-Key). JSON numbers as the seed shows them, plus exact decimal strings.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { PLATFORM, TENANT_ROLES } from '../http/access.js';
import { idempotencyKeyOf, requireTenant, type MoneyRoutesContext } from '../ledger/money-routes-context.js';
import { AppError, invalid } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import {
  exactMoneyFromNumber,
  formatMoney,
  MAX_AMOUNT,
  MoneyFormatError,
  moneyToNumber,
  NANO_PER_UNIT,
} from '../shared/money.js';
import { WALLET_MODES, type Wallet } from './wallet-rules.js';
import { adjustWallet, scopedWallet } from './wallet-route-actions.js';
import { operationSchema } from './wallet-schemas.js';

const tags = ['billing'];

const balanceSchema = z.object({
  tenant_id: z.string(),
  balance: z.number().describe('in currency units, rounded to 6 decimals'),
  reserved: z.number(),
  available: z.number(),
  credit_limit: z.number(),
  mode: z.enum(WALLET_MODES),
  currency: z.string(),
  balance_exact: z.string().describe('the exact balance as a decimal string'),
});

function balanceView(w: Wallet): z.infer<typeof balanceSchema> {
  return {
    tenant_id: w.tenantId,
    balance: moneyToNumber(w.balance),
    reserved: moneyToNumber(w.reserved),
    available: moneyToNumber(w.available),
    credit_limit: moneyToNumber(w.creditLimit),
    mode: w.mode,
    currency: w.currency,
    balance_exact: formatMoney(w.balance),
  };
}

function actorIdOf(req: FastifyRequest): string | null {
  const p = req.principal;
  if (!p) return null;
  return p.kind === 'user' ? p.userId : `service:${p.service}`;
}

export function balanceRoutes(ctx: MoneyRoutesContext) {
  return async function routes(app: FastifyInstance): Promise<void> {
    const r = app.withTypeProvider<ZodTypeProvider>();

    r.get(
      '/v1/billing/balance',
      {
        config: { access: { roles: TENANT_ROLES, services: ['admin'] } },
        schema: {
          tags,
          summary: "The tenant's balance (seed 001); platform admins and X-Admin-Key name the tenant with ?tenant_id=",
          querystring: z.object({ tenant_id: z.string().min(1).max(100).optional() }),
          response: { 200: balanceSchema },
        },
      },
      async (req) => balanceView(await scopedWallet(ctx, req.principal!, req.query.tenant_id)),
    );

    r.post(
      '/v1/billing/balance',
      {
        config: { access: { roles: PLATFORM, services: ['admin'] } },
        schema: {
          tags,
          summary: 'Credit or debit a tenant balance (seed 001); platform admin or X-Admin-Key',
          querystring: z.object({ tenant_id: z.string().min(1).max(100).optional() }),
          body: z.object({
            amount: z
              .number()
              .positive()
              .max(Number(MAX_AMOUNT / NANO_PER_UNIT)),
            operation: operationSchema,
            tenant_id: z.string().min(1).max(100).optional(),
            reason: z.string().trim().min(1).max(500).optional(),
          }),
          response: { 200: balanceSchema.extend({ transaction_id: z.string(), replayed: z.boolean() }) },
        },
      },
      async (req) => {
        const tenantId = req.query.tenant_id ?? req.body.tenant_id;
        if (!tenantId) throw invalid('tenant_id', 'is required (query or body)');
        if (req.query.tenant_id && req.body.tenant_id && req.query.tenant_id !== req.body.tenant_id) {
          throw invalid('tenant_id', 'query and body name different tenants');
        }
        let amount: bigint;
        try {
          amount = exactMoneyFromNumber(req.body.amount);
        } catch (e) {
          if (e instanceof MoneyFormatError) throw invalid('amount', 'must have at most 9 fraction digits');
          throw e;
        }
        if (amount <= 0n)
          throw new AppError('validation_error', 'amount: must be greater than zero', { field: 'amount' });
        await requireTenant(ctx, tenantId);
        const idempotencyKey = idempotencyKeyOf(req, `balance:${tenantId}`, () => newId('evt', ctx.now()));
        const reason = req.body.reason ?? `seed 001 balance ${req.body.operation.toLowerCase()}`;
        const { transaction, wallet } = await adjustWallet(ctx, req, tenantId, {
          amount,
          operation: req.body.operation,
          reason,
          actorId: actorIdOf(req),
          idempotencyKey,
        });
        return { ...balanceView(wallet), transaction_id: transaction.id, replayed: transaction.replayed };
      },
    );
  };
}
