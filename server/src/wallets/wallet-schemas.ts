// Wallet API shapes. Amounts are decimal strings (formatMoney: trailing zeros trimmed, at least two
// fraction digits, e.g. "12.34", "0.000001"); the seed 001 balance route also gives JSON numbers.
import { z } from 'zod';
import { DECIMAL_AMOUNT, formatMoney } from '../shared/money.js';
import type { Wallet } from './wallet-rules.js';
import { WALLET_MODES } from './wallet-rules.js';

/** A non-negative decimal amount as the API accepts it (services refuse zero where it matters). */
export const decimalAmount = z
  .string()
  .trim()
  .regex(DECIMAL_AMOUNT, 'must be a decimal string below 1000000000 with at most 9 fraction digits, e.g. "12.50"');

export const walletSchema = z.object({
  tenant_id: z.string(),
  mode: z.enum(WALLET_MODES),
  currency: z.string(),
  balance: z.string().describe('decimal string; negative when a postpaid tenant owes money'),
  reserved: z.string().describe('set aside by in-flight requests (budget reservations and leases)'),
  available: z.string().describe('balance − reserved (+ credit_limit when postpaid)'),
  credit_limit: z.string(),
  updated_at: z.string(),
});

export function walletView(w: Wallet): z.infer<typeof walletSchema> {
  return {
    tenant_id: w.tenantId,
    mode: w.mode,
    currency: w.currency,
    balance: formatMoney(w.balance),
    reserved: formatMoney(w.reserved),
    available: formatMoney(w.available),
    credit_limit: formatMoney(w.creditLimit),
    updated_at: new Date(w.updatedAt).toISOString(),
  };
}

export const operationSchema = z.enum(['CREDIT', 'DEBIT']);
