// Tables owned by the identity area. Conventions: ids are prefixed text; every integer (money in nano,
// tokens, counts, epoch-ms timestamps, 0/1 booleans) is a bigint column; JSON is text.
import type { ColumnType } from 'kysely';

/** A bigint column that accepts number or bigint on insert/update and reads back as bigint. */
type Int = ColumnType<bigint, bigint | number, bigint | number>;
type NullableInt = ColumnType<bigint | null, bigint | number | null | undefined, bigint | number | null>;
/** A bigint column with a database default. */
type IntDefault = ColumnType<bigint, bigint | number | undefined, bigint | number>;

export interface TenantsTable {
  id: string;
  name: string;
  slug: string;
  domain: string | null;
  type: string;
  status: string;
  billing_plan: string | null;
  max_users: NullableInt;
  /** JSON object; settings.provider holds provider preferences. */
  settings: string;
  /** JSON object: seed 002's `services` (e.g. `{"openwebui_port": 3001}`). */
  services: ColumnType<string, string | undefined, string>;
  referral_code: string | null;
  created_at: Int;
  updated_at: Int;
}

export interface UsersTable {
  id: string;
  tenant_id: string | null;
  email: string;
  name: string | null;
  role: string;
  status: string;
  password_hash: string | null;
  product_id: string | null;
  failed_logins: IntDefault;
  locked_until: NullableInt;
  last_login_at: NullableInt;
  created_at: Int;
  updated_at: Int;
}

export interface InvitesTable {
  id: string;
  user_id: string;
  /** SHA-256 hex of the one-time token. */
  token_hash: string;
  expires_at: Int;
  used_at: NullableInt;
  created_by: string | null;
  created_at: Int;
}

export interface SessionsTable {
  id: string;
  user_id: string;
  /** SHA-256 hex of the current refresh token (rotated on every refresh). */
  refresh_hash: string;
  expires_at: Int;
  revoked_at: NullableInt;
  ip: string | null;
  user_agent: string | null;
  created_at: Int;
  refreshed_at: Int;
}

export interface ApiKeysTable {
  id: string;
  tenant_id: string;
  user_id: string;
  name: string;
  /** SHA-256 hex of the secret; the secret itself is never stored. */
  key_hash: string;
  prefix: string;
  /** JSON array of model names, or null = every model. */
  allowed_models: string | null;
  rpm: NullableInt;
  tpm: NullableInt;
  budget: NullableInt;
  budget_period: string;
  expires_at: NullableInt;
  revoked_at: NullableInt;
  last_used_at: NullableInt;
  rotated_from: string | null;
  created_by: string | null;
  created_at: Int;
  updated_at: Int;
}

export interface AuditLogTable {
  id: string;
  at: Int;
  actor_type: string;
  actor_id: string | null;
  actor_email: string | null;
  tenant_id: string | null;
  action: string;
  target_type: string;
  target_id: string | null;
  /** JSON object: field → {from, to}. */
  changes: string | null;
  ip: string | null;
}

export interface IdentityTables {
  tenants: TenantsTable;
  users: UsersTable;
  invites: InvitesTable;
  sessions: SessionsTable;
  api_keys: ApiKeysTable;
  audit_log: AuditLogTable;
}
