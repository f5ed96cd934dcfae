// Seed 000's consumption views, from the daily rollups: /api/v1/consumption/history (per day),
// /by-assistant (per agent), /by-user. Date range `startDate`..`endDate` inclusive (UTC days),
// default the last 30 days.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Kysely } from 'kysely';
import type { z } from 'zod';
import type { Database } from '../db/schema.js';
import { TENANT_ROLES } from '../http/access.js';
import type { Clock } from '../shared/clock.js';
import { invalid } from '../shared/errors.js';
import { utcDay } from '../metering/rollup-math.js';
import {
  consumptionByAssistant,
  consumptionByUser,
  consumptionHistory,
  type ConsumptionFilter,
} from './usage-queries.js';
import { byAssistantResponse, byUserResponse, consumptionQuery, historyResponse } from './usage-schemas.js';
import { usageScope } from './usage-scope.js';

const DAY_MS = 86_400_000;

function filterOf(request: FastifyRequest, q: z.infer<typeof consumptionQuery>, now: number): ConsumptionFilter {
  const endDate = q.endDate ?? utcDay(now);
  const startDate = q.startDate ?? utcDay(Date.parse(endDate) - 29 * DAY_MS);
  if (startDate > endDate) throw invalid('startDate', 'must not be after endDate');
  return { ...usageScope(request, q.tenant_id, q.user), startDate, endDate };
}

export function consumptionRoutes(deps: { db: Kysely<Database>; clock: Clock }) {
  return async function routes(app: FastifyInstance): Promise<void> {
    const r = app.withTypeProvider<ZodTypeProvider>();
    const config = { access: { roles: TENANT_ROLES } };
    const schema = { tags: ['consumption'], querystring: consumptionQuery };
    /** Every view answers the same query over the same date range; only the grouping differs. */
    const view = async <T>(
      request: FastifyRequest,
      q: z.infer<typeof consumptionQuery>,
      load: (db: Kysely<Database>, f: ConsumptionFilter) => Promise<T>,
    ) => {
      const f = filterOf(request, q, deps.clock.now());
      return { startDate: f.startDate, endDate: f.endDate, items: await load(deps.db, f) };
    };
    r.get(
      '/api/v1/consumption/history',
      { config, schema: { ...schema, summary: 'Daily consumption (seed 000)', response: { 200: historyResponse } } },
      (request) => view(request, request.query, consumptionHistory),
    );
    r.get(
      '/api/v1/consumption/by-assistant',
      {
        config,
        schema: { ...schema, summary: 'Consumption per agent (seed 000)', response: { 200: byAssistantResponse } },
      },
      (request) => view(request, request.query, consumptionByAssistant),
    );
    r.get(
      '/api/v1/consumption/by-user',
      { config, schema: { ...schema, summary: 'Consumption per user (seed 000)', response: { 200: byUserResponse } } },
      (request) => view(request, request.query, consumptionByUser),
    );
  };
}
