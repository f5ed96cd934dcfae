// Tables owned by the gateway area (catalog: providers, models, deployments). Conventions: ids are
// prefixed text; every integer (money in nano, tokens, counts, epoch-ms timestamps, 0/1 booleans)
// is a bigint column; JSON is text.
import type { ColumnType, Generated } from 'kysely';

type Int = ColumnType<bigint, bigint | number, bigint | number>;

/** Who owns a row: the operator's YAML file (re-applied at start-up) or the admin API. */
export type ManagedBy = 'file' | 'api';
export type CatalogStatus = 'active' | 'disabled';

export interface ProvidersTable {
  /** Operator-chosen slug (`openai-main`), referenced by deployments and provider preferences. */
  id: string;
  type: string;
  base_url: string | null;
  /** AES-256-GCM token from shared/crypto.ts; never the plain key. */
  api_key_encrypted: string | null;
  api_version: string | null;
  /** Extra static headers as JSON, sealed like the key because operators put tokens there too. */
  headers_encrypted: string | null;
  managed_by: ManagedBy;
  status: CatalogStatus;
  created_at: Int;
  updated_at: Int;
}

export interface ModelsTable {
  /** Public model name clients send. */
  name: string;
  /** JSON array of 'chat' | 'embeddings' | 'completions'. */
  kinds: string;
  free: Int;
  /** Per-model strategy override; null = the global default. */
  routing_strategy: string | null;
  description: string | null;
  managed_by: ManagedBy;
  status: CatalogStatus;
  created_at: Int;
  updated_at: Int;
}

export interface DeploymentsTable {
  id: string;
  model_name: string;
  provider_id: string;
  upstream_model: string;
  priority: Int;
  weight: Int;
  max_output_tokens: Int | null;
  timeout_ms: Int | null;
  status: CatalogStatus;
  managed_by: ManagedBy;
  created_at: Int;
  updated_at: Int;
}

export interface GatewayTables {
  providers: ProvidersTable;
  models: ModelsTable;
  deployments: DeploymentsTable;
}

export type _Generated = Generated<bigint>;
