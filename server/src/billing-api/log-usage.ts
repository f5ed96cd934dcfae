// Seed 003: POST /api/log-usage — external gateways (LiteLLM…) report a finished call. The body
// and response are the seed's contract verbatim. The event goes through the one metering pipeline
// and the route answers after its batch committed (group commit): a 200 means recorded, charged
// and counted against the user's budget. Idempotent by request_id: a replay answers the same 200;
// the same id with different content is a 409 and is never charged twice.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { MeteringPipeline } from '../metering/ports.js';
import type { Clock } from '../shared/clock.js';
import { AppError, notFound } from '../shared/errors.js';
import { moneyFromNumber, MoneyFormatError } from '../shared/money.js';

const tokens = z.number().int().min(0).max(1e12);

export const logUsageBody = z.object({
  user_id: z.string().trim().min(1).max(320).describe("Tollgate user id (usr_…) or the user's email"),
  model: z.string().trim().min(1).max(200),
  request_id: z.string().trim().min(1).max(200),
  tokens_input: tokens,
  tokens_output: tokens,
  // Null counts as absent: LiteLLM's response_cost is None for a model it has no price for.
  cost_total: z
    .number()
    .min(0)
    .max(1e9)
    .nullish()
    .describe('Customer cost in currency units; absent or null = priced from the catalog'),
  response_time: z.number().min(0).max(1e9).nullish().describe('Milliseconds'),
});

const LOGGED = 'Usage logged and budget updated successfully';

export interface LogUsageDeps {
  pipeline: MeteringPipeline;
  /** Seed 003's user_id: a Tollgate user id or the person's email (identity's users service). */
  findUser: (idOrEmail: string) => Promise<{ id: string; tenant_id: string | null } | null>;
  clock: Clock;
}

export function logUsageRoutes(deps: LogUsageDeps) {
  return async function routes(app: FastifyInstance): Promise<void> {
    const r = app.withTypeProvider<ZodTypeProvider>();
    r.post(
      '/api/log-usage',
      {
        config: { access: { services: ['billing'] } },
        schema: {
          tags: ['billing-api'],
          summary: 'Log the usage of a finished call (seed 003)',
          security: [{ billingKey: [] }],
          body: logUsageBody,
          response: { 200: z.object({ message: z.string() }) },
        },
      },
      async (request) => {
        const b = request.body;
        const user = await deps.findUser(b.user_id);
        if (!user) throw notFound('user');
        if (!user.tenant_id)
          throw new AppError('unprocessable', 'user_id: the user belongs to no tenant', { field: 'user_id' });
        let cost: string | null = null;
        if (b.cost_total != null) {
          try {
            cost = moneyFromNumber(b.cost_total).toString();
          } catch (e) {
            if (e instanceof MoneyFormatError)
              throw new AppError('validation_error', 'cost_total: not a valid amount', { field: 'cost_total' });
            throw e;
          }
        }
        const now = deps.clock.now();
        const latency = b.response_time == null ? null : Math.round(b.response_time);
        const outcome = await deps.pipeline.ingest({
          event: {
            requestId: b.request_id,
            source: 'http',
            tenantId: user.tenant_id,
            userId: user.id,
            keyId: null,
            agent: null,
            conversationId: null,
            conversationTitle: null,
            project: null,
            provider: null,
            deploymentId: null,
            model: b.model,
            promptTokens: b.tokens_input,
            completionTokens: b.tokens_output,
            cachedTokens: 0,
            cacheWriteTokens: 0,
            reasoningTokens: 0,
            usageSource: 'provider',
            cost,
            providerCost: null,
            latencyMs: latency,
            ttftMs: null,
            status: 'success',
            stream: false,
            startedAt: now - (latency ?? 0),
            endedAt: now,
            metadata: null,
          },
        });
        if (outcome === 'conflict') {
          throw new AppError(
            'idempotency_conflict',
            `request_id ${b.request_id} was already logged with different content`,
            {
              field: 'request_id',
            },
          );
        }
        return { message: LOGGED };
      },
    );
  };
}
