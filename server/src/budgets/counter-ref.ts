// Where a scope's money is counted right now (pure): the wallet row, the counter row of an inline
// (API key) budget's calendar period, or the counter row of a defined budget's current period.
import type { BudgetDefinition, CounterRef } from './budget-store.js';
import { calendarPeriodStart, currentPeriodStart } from './period.js';
import { scopeKey, type ScopeKind, type ScopeRef } from './ports.js';

/** Wallet scopes and scopes carrying their own limit (key budgets). */
export function inlineCounter(scope: ScopeRef, now: number): CounterRef {
  const key = scopeKey(scope);
  if (scope.kind === 'wallet') return { kind: 'wallet', scopeKey: key, tenantId: scope.id, periodStart: 0 };
  return {
    kind: scope.kind,
    scopeKey: key,
    tenantId: '',
    periodStart: calendarPeriodStart(scope.period ?? 'total', now, scope.timeZone),
    inlineLimit: scope.limit!,
  };
}

/** Scopes whose budget is a row of `budgets`: the limit is read by the take's UPDATE itself. */
export function definedCounter(kind: ScopeKind, key: string, def: BudgetDefinition, now: number): CounterRef {
  return {
    kind,
    scopeKey: key,
    tenantId: def.tenantId ?? '',
    periodStart: currentPeriodStart(def.period, def.resetAt, now, def.timeZone),
  };
}
