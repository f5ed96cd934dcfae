// GET /api/v1/billing/transactions: the tenant's ledger history with postings, newest first,
// filterable by kind and date range, cursor-paginated like the other lists.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ADMINS, tenantScope, userOf } from '../http/access.js';
import { pageOf, pageQuery } from '../identity/pagination.js';
import { invalid } from '../shared/errors.js';
import { parseIsoBound } from '../shared/iso-time.js';
import { listTransactions } from './ledger-queries.js';
import { requireTenant, type MoneyRoutesContext } from './money-routes-context.js';
import { TRANSACTION_KINDS } from './transaction-rules.js';
import { transactionSchema, transactionView } from './transaction-schemas.js';

/** A date (whole UTC day) or an ISO date-time. `end` makes a date-only value include its whole day. */
function parseBound(field: string, value: string | undefined, end: boolean): number | undefined {
  if (value === undefined) return undefined;
  const ms = parseIsoBound(value, end);
  if (ms === null) throw invalid(field, 'must be a date (YYYY-MM-DD) or an ISO date-time');
  return ms;
}

export function transactionRoutes(ctx: MoneyRoutesContext) {
  return async function routes(app: FastifyInstance): Promise<void> {
    const r = app.withTypeProvider<ZodTypeProvider>();

    r.get(
      '/api/v1/billing/transactions',
      {
        config: { access: { roles: ADMINS } },
        schema: {
          tags: ['billing'],
          summary: 'Ledger transactions of the tenant (platform admins: any or all tenants)',
          querystring: z.object({
            tenant_id: z.string().min(1).max(100).optional(),
            kind: z.enum(TRANSACTION_KINDS as [string, ...string[]]).optional(),
            from: z.string().max(40).optional().describe('inclusive: YYYY-MM-DD or ISO date-time'),
            to: z.string().max(40).optional().describe('YYYY-MM-DD (inclusive day) or ISO date-time (exclusive)'),
            ...pageQuery,
          }),
          response: { 200: pageOf(transactionSchema) },
        },
      },
      async (req) => {
        const q = req.query;
        const tenantId = tenantScope(userOf(req), q.tenant_id);
        if (tenantId && q.tenant_id) await requireTenant(ctx, tenantId);
        const from = parseBound('from', q.from, false);
        const to = parseBound('to', q.to, true);
        if (from !== undefined && to !== undefined && from >= to) throw invalid('to', 'must be after from');
        const page = await listTransactions(ctx.db, {
          tenantId,
          kind: q.kind as (typeof TRANSACTION_KINDS)[number] | undefined,
          from,
          to,
          limit: q.limit,
          cursor: q.cursor,
        });
        return { items: page.items.map((t) => transactionView(t.txn)), next_cursor: page.nextCursor };
      },
    );
  };
}
