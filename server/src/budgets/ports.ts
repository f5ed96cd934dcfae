// Budgets as the gateway and metering use them: all-or-nothing reservations across scopes,
// settled to the actual cost; spent from locally held leases in the steady state.
import type { Transaction } from 'kysely';
import type { Database } from '../db/schema.js';
import type { AppError, Result } from '../shared/errors.js';
import type { Nano } from '../shared/money.js';
import type { BudgetPeriod, GatewayCaller } from '../identity/ports.js';

export type ScopeKind = 'wallet' | 'tenant' | 'user' | 'key' | 'agent';

/** wallet and tenant: id = tenantId; user: userId; key: keyId; agent: `${tenantId}/${agentName}`. */
export interface ScopeRef {
  kind: ScopeKind;
  id: string;
  /** An inline limit for budgets defined elsewhere (an API key's own budget). */
  limit?: Nano;
  period?: BudgetPeriod;
  /** The inline budget's calendar time zone (the tenant's; UTC when absent). */
  timeZone?: string;
}

export const scopeKey = (s: ScopeRef): string => `${s.kind}:${s.id}`;

export interface ReserveRequest {
  requestId: string;
  tenantId: string;
  scopes: readonly ScopeRef[];
  /** Upper-bound cost of the call. */
  amount: Nano;
}

/**
 * What a settled call spent and from where; travels on the usage event so the metering batch can
 * move the amount from "reserved by lease" to "spent" in the same transaction as the charge.
 */
export interface SpendAttribution {
  scopes: readonly ScopeRef[];
  /** lease id per scope key that covered this spend (absent = charged directly, e.g. seed 003). */
  leases: Record<string, string>;
}

export interface BudgetService {
  /**
   * All-or-nothing across scopes. Refusals are values: AppError with code budget_exceeded |
   * insufficient_balance | key_budget_exceeded | user_budget_exceeded | agent_budget_exceeded.
   */
  reserve(req: ReserveRequest): Promise<Result<{ requestId: string }, AppError>>;
  /** The call finished: keep `actual` (may exceed the reservation slightly), return the rest. */
  settle(requestId: string, actual: Nano): SpendAttribution;
  /** The call failed before costing anything: return the whole reservation. */
  release(requestId: string): void;
  /** The scopes that apply to a caller. */
  scopesFor(caller: GatewayCaller, agent?: string | null): ScopeRef[];
  /** Return held leases (graceful shutdown). */
  close(): Promise<void>;
}

/** Called by the metering batch inside its transaction for the charges it writes. */
export interface SpendRecorder {
  recordSpend(
    trx: Transaction<Database>,
    spends: readonly { tenantId: string; amount: Nano; at: number; attribution: SpendAttribution }[],
    /** pause: awaited between statements (SQLite) so a long batch lets the event loop run. */
    opts?: { pause?: () => Promise<void> },
  ): Promise<void>;
}
