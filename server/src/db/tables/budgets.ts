// Tables owned by the budgets area: budget definitions, per-period counters and leases.
// Conventions: ids are prefixed text; every integer (money in nano, epoch-ms timestamps, 0/1
// booleans) is a bigint column. The wallet scope's counter is the `wallets` row (money area);
// budgets owns only its `reserved` column.
import type { ColumnType } from 'kysely';

type Int = ColumnType<bigint, bigint | number, bigint | number>;

/** A budget definition for a tenant, user or agent scope (key budgets live on the API key). */
export interface BudgetsTable {
  /** `tenant:<id>` | `user:<id>` | `agent:<tenantId>/<name>` (see budgets/ports.ts scopeKey). */
  scope_key: string;
  kind: 'tenant' | 'user' | 'agent';
  /** The tenant the budget belongs to (cross-tenant checks, listings). */
  tenant_id: string | null;
  /** tenantId, userId or agent name. */
  subject: string;
  limit_nano: Int;
  period: 'daily' | 'weekly' | 'monthly' | 'total';
  /** A manual reset (seed 003 reset-budgets) starts a new period at this instant; 0 = none. */
  reset_at: Int;
  created_at: Int;
  updated_at: Int;
}

/** Money spent and set aside per scope and period; the shared counter leases are cut from. */
export interface BudgetCountersTable {
  scope_key: string;
  period_start: Int;
  spent: Int;
  reserved: Int;
}

/** A slice of a scope's budget held by one process (or one exact-size reservation). */
export interface BudgetLeasesTable {
  id: string;
  scope_key: string;
  period_start: Int;
  holder: string;
  amount: Int;
  used: Int;
  status: 'active' | 'returned' | 'expired';
  /** 1 = an exact-size take for a single reservation. */
  exact: Int;
  created_at: Int;
  expires_at: Int;
}

export interface BudgetTables {
  budgets: BudgetsTable;
  budget_counters: BudgetCountersTable;
  budget_leases: BudgetLeasesTable;
}
