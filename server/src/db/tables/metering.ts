// Tables owned by the metering area: one row per metered call (usage_records) and the seed 000
// rollups (daily_consumption / monthly_consumption). Conventions: ids are prefixed text; every
// integer (money in nano, tokens, counts, epoch-ms timestamps, 0/1 booleans) is a bigint column;
// JSON is text. Rollup key columns use '' instead of NULL so the unique key works on PostgreSQL.
import type { ColumnType } from 'kysely';

type Int = ColumnType<bigint, bigint | number, bigint | number>;
type NullableInt = ColumnType<bigint | null, bigint | number | null, bigint | number | null>;

export interface UsageRecordsTable {
  id: string;
  request_id: string;
  tenant_id: string;
  user_id: string | null;
  key_id: string | null;
  agent: string | null;
  conversation_id: string | null;
  conversation_title: string | null;
  project: string | null;
  provider: string | null;
  deployment_id: string | null;
  model: string;
  prompt_tokens: Int;
  completion_tokens: Int;
  cached_tokens: Int;
  cache_write_tokens: Int;
  reasoning_tokens: Int;
  total_tokens: Int;
  /** Customer cost, nano-units. */
  cost: Int;
  provider_cost: NullableInt;
  price_id: string | null;
  multiplier_ppm: NullableInt;
  latency_ms: NullableInt;
  ttft_ms: NullableInt;
  status: 'success' | 'error' | 'cancelled' | 'incomplete';
  usage_source: 'provider' | 'estimated';
  source: 'gateway' | 'http' | 'queue';
  stream: Int;
  started_at: Int;
  ended_at: Int;
  metadata: string | null;
  content_hash: string;
  created_at: Int;
  /** The usage_charge ledger transaction holding this call's wallet posting (null: free call). */
  transaction_id: string | null;
}

/** Shared shape of the two rollups; `day` is 'YYYY-MM-DD' (UTC), `month` is 'YYYY-MM'. */
interface RollupColumns {
  tenant_id: string;
  user_id: string;
  key_id: string;
  agent: string;
  model: string;
  requests: Int;
  prompt_tokens: Int;
  completion_tokens: Int;
  cached_tokens: Int;
  reasoning_tokens: Int;
  total_tokens: Int;
  cost: Int;
}

export interface DailyConsumptionTable extends RollupColumns {
  day: string;
}

export interface MonthlyConsumptionTable extends RollupColumns {
  month: string;
}

export interface MeteringTables {
  usage_records: UsageRecordsTable;
  daily_consumption: DailyConsumptionTable;
  monthly_consumption: MonthlyConsumptionTable;
}
