// Reads of metered usage: the raw records (paged, filtered) and the seed 000 consumption views
// computed from the rollups (dashboards never scan raw records). Money leaves as decimal strings.
import { sql, type Kysely } from 'kysely';
import { toBig, toNum } from '../db/database.js';
import type { Database } from '../db/schema.js';
import { formatMoney } from '../shared/money.js';
import type { UsageScope } from './usage-scope.js';

export interface UsageFilter extends UsageScope {
  from?: number;
  to?: number;
  model?: string;
  keyId?: string;
  agent?: string;
  status?: string;
  limit: number;
  /** `<started_at>:<id>` of the last item of the previous page. */
  cursor?: string;
}

export async function listUsage(db: Kysely<Database>, f: UsageFilter) {
  let q = db.selectFrom('usage_records').selectAll();
  if (f.tenantId) q = q.where('tenant_id', '=', f.tenantId);
  if (f.userId) q = q.where('user_id', '=', f.userId);
  if (f.from !== undefined) q = q.where('started_at', '>=', BigInt(f.from));
  if (f.to !== undefined) q = q.where('started_at', '<', BigInt(f.to));
  if (f.model) q = q.where('model', '=', f.model);
  if (f.keyId) q = q.where('key_id', '=', f.keyId);
  if (f.agent) q = q.where('agent', '=', f.agent);
  if (f.status) q = q.where('status', '=', f.status as 'success');
  if (f.cursor) {
    const [at, id] = [f.cursor.split(':')[0]!, f.cursor.slice(f.cursor.indexOf(':') + 1)];
    q = q.where((eb) =>
      eb.or([eb('started_at', '<', BigInt(at)), eb.and([eb('started_at', '=', BigInt(at)), eb('id', '<', id)])]),
    );
  }
  const rows = await q
    .orderBy('started_at', 'desc')
    .orderBy('id', 'desc')
    .limit(f.limit + 1)
    .execute();
  const more = rows.length > f.limit;
  const page = more ? rows.slice(0, f.limit) : rows;
  const last = page[page.length - 1];
  return {
    items: page.map((r) => ({
      id: r.id,
      request_id: r.request_id,
      tenant_id: r.tenant_id,
      user_id: r.user_id,
      key_id: r.key_id,
      agent: r.agent,
      conversation_id: r.conversation_id,
      conversation_title: r.conversation_title,
      project: r.project,
      provider: r.provider,
      deployment_id: r.deployment_id,
      model: r.model,
      prompt_tokens: toNum(r.prompt_tokens),
      completion_tokens: toNum(r.completion_tokens),
      cached_tokens: toNum(r.cached_tokens),
      cache_write_tokens: toNum(r.cache_write_tokens),
      reasoning_tokens: toNum(r.reasoning_tokens),
      total_tokens: toNum(r.total_tokens),
      cost: formatMoney(toBig(r.cost)),
      price_id: r.price_id,
      latency_ms: r.latency_ms === null ? null : toNum(r.latency_ms),
      ttft_ms: r.ttft_ms === null ? null : toNum(r.ttft_ms),
      status: r.status,
      usage_source: r.usage_source,
      source: r.source,
      stream: toNum(r.stream) === 1,
      started_at: new Date(toNum(r.started_at)).toISOString(),
      ended_at: new Date(toNum(r.ended_at)).toISOString(),
      metadata: r.metadata === null ? null : (JSON.parse(r.metadata) as Record<string, unknown>),
    })),
    next_cursor: more && last ? `${toNum(last.started_at)}:${last.id}` : null,
  };
}

export interface ConsumptionFilter extends UsageScope {
  /** Inclusive 'YYYY-MM-DD' bounds. */
  startDate: string;
  endDate: string;
}

const totals = {
  requests: sql<bigint>`sum(requests)`.as('requests'),
  prompt_tokens: sql<bigint>`sum(prompt_tokens)`.as('prompt_tokens'),
  completion_tokens: sql<bigint>`sum(completion_tokens)`.as('completion_tokens'),
  cached_tokens: sql<bigint>`sum(cached_tokens)`.as('cached_tokens'),
  reasoning_tokens: sql<bigint>`sum(reasoning_tokens)`.as('reasoning_tokens'),
  total_tokens: sql<bigint>`sum(total_tokens)`.as('total_tokens'),
  cost: sql<bigint>`sum(cost)`.as('cost'),
};

type TotalsRow = { [K in keyof typeof totals]: unknown };

const renderTotals = (r: TotalsRow) => ({
  requests: toNum(r.requests),
  prompt_tokens: toNum(r.prompt_tokens),
  completion_tokens: toNum(r.completion_tokens),
  cached_tokens: toNum(r.cached_tokens),
  reasoning_tokens: toNum(r.reasoning_tokens),
  total_tokens: toNum(r.total_tokens),
  cost: formatMoney(toBig(r.cost)),
});

function daily(db: Kysely<Database>, f: ConsumptionFilter) {
  let q = db.selectFrom('daily_consumption').where('day', '>=', f.startDate).where('day', '<=', f.endDate);
  if (f.tenantId) q = q.where('tenant_id', '=', f.tenantId);
  if (f.userId) q = q.where('user_id', '=', f.userId);
  return q;
}

/** One row per day with usage in the range (days without usage are left out). */
export async function consumptionHistory(db: Kysely<Database>, f: ConsumptionFilter) {
  const rows = await daily(db, f)
    .select('day')
    .select([...Object.values(totals)])
    .groupBy('day')
    .orderBy('day')
    .execute();
  return rows.map((r) => ({ date: r.day, ...renderTotals(r) }));
}

/** Per agent ("assistant" in seed 000); calls without an agent appear under agent null. */
export async function consumptionByAssistant(db: Kysely<Database>, f: ConsumptionFilter) {
  const rows = await daily(db, f)
    .select('agent')
    .select([...Object.values(totals)])
    .groupBy('agent')
    .orderBy('agent')
    .execute();
  return rows.map((r) => ({ agent: r.agent === '' ? null : r.agent, ...renderTotals(r) }));
}

export async function consumptionByUser(db: Kysely<Database>, f: ConsumptionFilter) {
  const rows = await daily(db, f)
    .select('user_id')
    .select([...Object.values(totals)])
    .groupBy('user_id')
    .orderBy('user_id')
    .execute();
  return rows.map((r) => ({ user_id: r.user_id === '' ? null : r.user_id, ...renderTotals(r) }));
}
