// Schemas of the usage and consumption routes (validation, serialisation and OpenAPI at once).
import { z } from 'zod';
import { instantParam } from '../shared/iso-time.js';

export const instant = instantParam(false);

export const usageQuery = z.object({
  tenant_id: z.string().min(1).max(100).optional(),
  from: instant.optional().describe('inclusive: epoch ms, YYYY-MM-DD or ISO date-time'),
  to: instantParam(true).optional().describe('epoch ms or ISO date-time (exclusive), or YYYY-MM-DD (inclusive day)'),
  model: z.string().min(1).max(200).optional(),
  user: z.string().min(1).max(100).optional(),
  key: z.string().min(1).max(100).optional(),
  agent: z.string().min(1).max(200).optional(),
  status: z.enum(['success', 'error', 'cancelled', 'incomplete']).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  // The time part is bound to what an epoch-ms column holds: a longer number is no cursor of ours
  // and would overflow the 64-bit parameter (a 500) instead of being refused.
  cursor: z
    .string()
    .regex(/^\d{1,16}:.+$/, 'not a cursor from a previous page')
    .max(300)
    .optional(),
});

export const usageItem = z.object({
  id: z.string(),
  request_id: z.string(),
  tenant_id: z.string(),
  user_id: z.string().nullable(),
  key_id: z.string().nullable(),
  agent: z.string().nullable(),
  conversation_id: z.string().nullable(),
  conversation_title: z.string().nullable(),
  project: z.string().nullable(),
  provider: z.string().nullable(),
  deployment_id: z.string().nullable(),
  model: z.string(),
  prompt_tokens: z.number(),
  completion_tokens: z.number(),
  cached_tokens: z.number(),
  cache_write_tokens: z.number(),
  reasoning_tokens: z.number(),
  total_tokens: z.number(),
  cost: z.string().describe('Customer cost, decimal string in the deployment currency'),
  price_id: z.string().nullable(),
  latency_ms: z.number().nullable(),
  ttft_ms: z.number().nullable(),
  status: z.string(),
  usage_source: z.string(),
  source: z.string(),
  stream: z.boolean(),
  started_at: z.string(),
  ended_at: z.string(),
  metadata: z.record(z.string(), z.unknown()).nullable(),
});

const day = z.iso.date({ error: 'expected a calendar date YYYY-MM-DD' });

export const consumptionQuery = z.object({
  tenant_id: z.string().min(1).max(100).optional(),
  startDate: day.optional(),
  endDate: day.optional(),
  user: z.string().min(1).max(100).optional(),
});

const totals = {
  requests: z.number(),
  prompt_tokens: z.number(),
  completion_tokens: z.number(),
  cached_tokens: z.number(),
  reasoning_tokens: z.number(),
  total_tokens: z.number(),
  cost: z.string(),
};

const range = { startDate: z.string(), endDate: z.string() };

export const historyResponse = z.object({ ...range, items: z.array(z.object({ date: z.string(), ...totals })) });
export const byAssistantResponse = z.object({
  ...range,
  items: z.array(z.object({ agent: z.string().nullable(), ...totals })),
});
export const byUserResponse = z.object({
  ...range,
  items: z.array(z.object({ user_id: z.string().nullable(), ...totals })),
});
