// Ledger transactions as the API shows them: amounts as decimal strings, times as ISO strings.
import { z } from 'zod';
import { formatMoney } from '../shared/money.js';
import type { PostedTransaction } from './ports.js';
import { TRANSACTION_KINDS } from './transaction-rules.js';

export const transactionSchema = z.object({
  id: z.string(),
  kind: z.enum(TRANSACTION_KINDS as [string, ...string[]]),
  tenant_id: z.string().nullable(),
  idempotency_key: z.string(),
  memo: z.string().nullable(),
  reference: z.string().nullable(),
  at: z.string(),
  postings: z.array(z.object({ account: z.string(), amount: z.string() })),
});

export function transactionView(t: PostedTransaction): z.infer<typeof transactionSchema> {
  return {
    id: t.id,
    kind: t.kind,
    tenant_id: t.tenantId,
    idempotency_key: t.idempotencyKey,
    memo: t.memo,
    reference: t.reference,
    at: new Date(t.at).toISOString(),
    postings: t.postings.map((p) => ({ account: p.account, amount: formatMoney(p.amount) })),
  };
}
