// Budget API schemas and views: amounts are decimal strings, times ISO-8601.
import { z } from 'zod';
import { DECIMAL_AMOUNT, formatMoney } from '../shared/money.js';
import type { BudgetState } from './budget-admin.js';

export const decimalMoney = z
  .string()
  .trim()
  .regex(DECIMAL_AMOUNT, 'must be a non-negative decimal amount below 1000000000, like "50.00"');
export const periodSchema = z.enum(['daily', 'weekly', 'monthly', 'total']);

export const budgetSchema = z.object({
  scope_key: z.string(),
  kind: z.enum(['tenant', 'user', 'agent']),
  subject: z.string(),
  limit: z.string(),
  period: periodSchema,
  period_start: z.string(),
  spent: z.string(),
  reserved: z.string(),
  remaining: z.string(),
  resets_at: z.string().nullable(),
});

export function budgetView(s: BudgetState): z.infer<typeof budgetSchema> {
  return {
    scope_key: s.scopeKey,
    kind: s.kind,
    subject: s.subject,
    limit: formatMoney(s.limit),
    period: s.period,
    period_start: new Date(s.periodStart).toISOString(),
    spent: formatMoney(s.spent),
    reserved: formatMoney(s.reserved),
    remaining: formatMoney(s.remaining),
    resets_at: s.resetsAt === null ? null : new Date(s.resetsAt).toISOString(),
  };
}

/** Seed 002's user budget fields (total / used / remaining / reset date). */
export const userBudgetSchema = z.object({
  user_id: z.string(),
  total: z.string(),
  used: z.string(),
  reserved: z.string(),
  remaining: z.string(),
  period: periodSchema,
  reset_date: z.string().nullable(),
});

export function userBudgetView(userId: string, s: BudgetState): z.infer<typeof userBudgetSchema> {
  return {
    user_id: userId,
    total: formatMoney(s.limit),
    used: formatMoney(s.spent),
    reserved: formatMoney(s.reserved),
    remaining: formatMoney(s.remaining),
    period: s.period,
    reset_date: s.resetsAt === null ? null : new Date(s.resetsAt).toISOString(),
  };
}
