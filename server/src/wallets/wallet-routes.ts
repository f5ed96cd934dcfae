// Wallet routes: seed 000's GET /api/v1/billing/wallet (the caller's tenant; platform admins name
// one with ?tenant_id=) and the platform admin's adjustments and mode/credit-limit settings.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { PLATFORM, TENANT_ROLES, userOf } from '../http/access.js';
import { audit, idempotencyKeyOf, requireTenant, type MoneyRoutesContext } from '../ledger/money-routes-context.js';
import { transactionSchema, transactionView } from '../ledger/transaction-schemas.js';
import { invalid } from '../shared/errors.js';
import { newId } from '../shared/ids.js';
import { formatMoney, parseMoney } from '../shared/money.js';
import { adjustWallet, scopedWallet } from './wallet-route-actions.js';
import { WALLET_MODES } from './wallet-rules.js';
import { decimalAmount, operationSchema, walletSchema, walletView } from './wallet-schemas.js';

const tags = ['billing'];
const tenantParams = z.object({ id: z.string().min(1).max(100) });

export function walletRoutes(ctx: MoneyRoutesContext) {
  return async function routes(app: FastifyInstance): Promise<void> {
    const r = app.withTypeProvider<ZodTypeProvider>();

    r.get(
      '/api/v1/billing/wallet',
      {
        config: { access: { roles: TENANT_ROLES } },
        schema: {
          tags,
          summary: "The tenant's wallet: balance, reserved, available",
          querystring: z.object({ tenant_id: z.string().min(1).max(100).optional() }),
          response: { 200: walletSchema },
        },
      },
      async (req) => walletView(await scopedWallet(ctx, userOf(req), req.query.tenant_id)),
    );

    r.post(
      '/api/v1/admin/tenants/:id/wallet/adjustments',
      {
        config: { access: { roles: PLATFORM } },
        schema: {
          tags,
          summary: 'Credit or debit a tenant wallet (ledger adjustment); optional Idempotency-Key header',
          params: tenantParams,
          body: z.object({
            amount: decimalAmount,
            operation: operationSchema,
            reason: z.string().trim().min(1).max(500),
          }),
          response: {
            201: z.object({ transaction: transactionSchema, wallet: walletSchema, replayed: z.boolean() }),
            200: z.object({ transaction: transactionSchema, wallet: walletSchema, replayed: z.boolean() }),
          },
        },
      },
      async (req, reply) => {
        const tenantId = req.params.id;
        const user = userOf(req);
        const amount = parseMoney(req.body.amount);
        if (amount <= 0n) throw invalid('amount', 'must be greater than zero');
        const idempotencyKey = idempotencyKeyOf(req, `admin-adjust:${tenantId}`, () => newId('evt', ctx.now()));
        await requireTenant(ctx, tenantId);
        const { transaction, wallet } = await adjustWallet(ctx, req, tenantId, {
          amount,
          operation: req.body.operation,
          reason: req.body.reason,
          actorId: user.userId,
          idempotencyKey,
        });
        return reply.status(transaction.replayed ? 200 : 201).send({
          transaction: transactionView(transaction),
          wallet: walletView(wallet),
          replayed: transaction.replayed,
        });
      },
    );

    r.put(
      '/api/v1/admin/tenants/:id/wallet',
      {
        config: { access: { roles: PLATFORM } },
        schema: {
          tags,
          summary: 'Set a wallet to prepaid or postpaid (with a credit limit)',
          params: tenantParams,
          body: z.object({ mode: z.enum(WALLET_MODES), credit_limit: decimalAmount.optional() }),
          response: { 200: walletSchema },
        },
      },
      async (req) => {
        const tenantId = req.params.id;
        await requireTenant(ctx, tenantId);
        // A prepaid wallet has no credit: a limit sent with it is a mistake, not one to keep for
        // a later switch to postpaid.
        if (
          req.body.mode === 'prepaid' &&
          req.body.credit_limit !== undefined &&
          parseMoney(req.body.credit_limit) !== 0n
        )
          throw invalid('credit_limit', 'applies to postpaid wallets only');
        const before = await ctx.wallets.getWallet(tenantId);
        const creditLimit =
          req.body.mode === 'prepaid'
            ? 0n
            : req.body.credit_limit !== undefined
              ? parseMoney(req.body.credit_limit)
              : before.creditLimit;
        const after = await ctx.wallets.setMode(tenantId, req.body.mode, creditLimit);
        await audit(ctx, req, {
          tenantId,
          action: 'wallet.settings',
          targetType: 'wallet',
          targetId: tenantId,
          changes: {
            before: { mode: before.mode, credit_limit: formatMoney(before.creditLimit) },
            after: { mode: after.mode, credit_limit: formatMoney(after.creditLimit) },
          },
        });
        return walletView(after);
      },
    );
  };
}
