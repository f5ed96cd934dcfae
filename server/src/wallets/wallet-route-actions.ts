// What the wallet routes (seed 000's /api/v1 and seed 001's /v1/billing/balance) do alike: read the
// wallet of the tenant a caller may see, and make an admin adjustment with its audit entry.
import type { FastifyRequest } from 'fastify';
import type { Principal } from '../identity/ports.js';
import { tenantScope } from '../http/access.js';
import { audit, requireTenant, type MoneyRoutesContext } from '../ledger/money-routes-context.js';
import { invalid } from '../shared/errors.js';
import { formatMoney } from '../shared/money.js';
import type { Wallet } from './wallet-rules.js';
import type { AdjustInput, WalletMovement } from './wallet-service.js';

/** The wallet of the caller's tenant; platform-level callers must name one (`requested`). */
export async function scopedWallet(
  ctx: MoneyRoutesContext,
  principal: Principal,
  requested: string | undefined,
): Promise<Wallet> {
  const tenantId = tenantScope(principal, requested);
  if (!tenantId) throw invalid('tenant_id', 'is required for platform-level callers');
  await requireTenant(ctx, tenantId);
  return ctx.wallets.getWallet(tenantId);
}

/** Credit or debit a wallet; a first (not replayed) adjustment is written to the audit log. */
export async function adjustWallet(
  ctx: MoneyRoutesContext,
  req: FastifyRequest,
  tenantId: string,
  input: AdjustInput,
): Promise<WalletMovement> {
  const movement = await ctx.wallets.adjust(tenantId, input);
  const { transaction, wallet } = movement;
  if (!transaction.replayed) {
    await audit(ctx, req, {
      tenantId,
      action: `wallet.${input.operation.toLowerCase()}`,
      targetType: 'wallet',
      targetId: tenantId,
      changes: {
        after: {
          amount: formatMoney(input.amount),
          reason: input.reason,
          transaction_id: transaction.id,
          balance: formatMoney(wallet.balance),
        },
      },
    });
  }
  return movement;
}
