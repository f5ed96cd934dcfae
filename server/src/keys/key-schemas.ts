// API key shapes at the HTTP boundary. Budgets travel as decimal strings (nano-units inside).
import { z } from 'zod';
import { MAX_AMOUNT, MoneyFormatError, parseMoney } from '../shared/money.js';

export const BUDGET_PERIODS = ['daily', 'weekly', 'monthly', 'total'] as const;

const moneyString = z
  .string()
  .max(40)
  .transform((v, ctx) => {
    try {
      const n = parseMoney(v);
      if (n < 0n) ctx.addIssue({ code: 'custom', message: 'must not be negative' });
      if (n > MAX_AMOUNT) ctx.addIssue({ code: 'custom', message: 'must be at most 1000000000' });
      return n;
    } catch (e) {
      ctx.addIssue({
        code: 'custom',
        message: e instanceof MoneyFormatError ? 'must be a decimal amount like "25.00"' : 'invalid amount',
      });
      return z.NEVER;
    }
  });

const limits = {
  allowed_models: z.array(z.string().trim().min(1).max(200)).max(500).nullable().optional(),
  rpm: z.number().int().min(1).max(1_000_000_000).nullable().optional(),
  tpm: z.number().int().min(1).max(1_000_000_000_000).nullable().optional(),
  budget: moneyString.nullable().optional(),
  budget_period: z.enum(BUDGET_PERIODS).optional(),
  expires_at: z.iso.datetime({ offset: true }).nullable().optional(),
};

export const keyCreateSchema = z.object({
  name: z.string().trim().min(1).max(200),
  user_id: z.string().min(1).max(100).optional(),
  ...limits,
});
export type KeyCreate = z.output<typeof keyCreateSchema>;

export const keyUpdateSchema = z.object({ name: z.string().trim().min(1).max(200).optional(), ...limits });
export type KeyUpdate = z.output<typeof keyUpdateSchema>;

export const apiKeySchema = z.object({
  id: z.string(),
  name: z.string(),
  prefix: z.string(),
  tenant_id: z.string(),
  user_id: z.string(),
  status: z.enum(['active', 'revoked', 'expired']),
  allowed_models: z.array(z.string()).nullable(),
  rpm: z.number().nullable(),
  tpm: z.number().nullable(),
  budget: z.string().nullable(),
  budget_period: z.enum(BUDGET_PERIODS),
  expires_at: z.string().nullable(),
  last_used_at: z.string().nullable(),
  revoked_at: z.string().nullable(),
  rotated_from: z.string().nullable(),
  created: z.string(),
  updated: z.string(),
});
export type ApiKey = z.infer<typeof apiKeySchema>;

export const keyWithSecretSchema = z.object({ key: apiKeySchema, secret: z.string() });
