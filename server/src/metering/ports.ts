// Usage events: what every source (gateway, seed 003 log-usage, RabbitMQ later) hands to the one
// metering pipeline. Identified by requestId: the same event twice counts once; the same id with
// different content is rejected and logged.
import { z } from 'zod';
import type { SpendAttribution } from '../budgets/ports.js';

export const usageStatus = z.enum(['success', 'error', 'cancelled', 'incomplete']);
export const usageSource = z.enum(['gateway', 'http', 'queue']);

export const usageEventSchema = z.object({
  requestId: z.string().min(1).max(200),
  source: usageSource,
  tenantId: z.string().min(1),
  userId: z.string().nullable(),
  keyId: z.string().nullable(),
  agent: z.string().max(200).nullable(),
  conversationId: z.string().max(200).nullable(),
  conversationTitle: z.string().max(500).nullable(),
  project: z.string().max(200).nullable(),
  provider: z.string().nullable(),
  deploymentId: z.string().nullable(),
  model: z.string().min(1),
  promptTokens: z.number().int().min(0),
  completionTokens: z.number().int().min(0),
  cachedTokens: z.number().int().min(0).default(0),
  cacheWriteTokens: z.number().int().min(0).default(0),
  reasoningTokens: z.number().int().min(0).default(0),
  usageSource: z.enum(['provider', 'estimated']),
  /** Customer cost in nano-units as a decimal integer string; absent = price from the catalog. */
  cost: z.string().regex(/^\d+$/).nullable(),
  /** What the provider charges us, nano, if known. */
  providerCost: z.string().regex(/^\d+$/).nullable().default(null),
  latencyMs: z.number().int().min(0).nullable(),
  ttftMs: z.number().int().min(0).nullable(),
  status: usageStatus,
  stream: z.boolean(),
  startedAt: z.number().int(),
  endedAt: z.number().int(),
  metadata: z.record(z.string(), z.unknown()).nullable(),
});

export type UsageEvent = z.infer<typeof usageEventSchema>;

/** Extra fields the gateway attaches (not part of the wire schema for external sources). */
export interface UsageEnvelope {
  event: UsageEvent;
  /** Price version + multiplier already used by the gateway (so the charge matches x-tollgate-cost). */
  priceId?: string | null;
  multiplierPpm?: bigint;
  attribution?: SpendAttribution;
}

export type IngestOutcome = 'accepted' | 'duplicate' | 'conflict';

export interface MeteringPipeline {
  /**
   * Durably accept an event (write-ahead before resolving). Resolves 'duplicate' when the same
   * event was seen before and 'conflict' when the id was seen with different content.
   * Rejects with AppError('model_not_priced') for an unpriced, non-free model without a cost.
   */
  ingest(envelope: UsageEnvelope): Promise<IngestOutcome>;
  /** Fire-and-forget variant for the gateway hot path: spooled synchronously, processed in batches. */
  enqueue(envelope: UsageEnvelope): void;
  /** Write everything accepted so far (tests, shutdown). */
  flush(): Promise<void>;
  close(): Promise<void>;
}
