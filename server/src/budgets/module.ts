// Budgets module: budget definitions, reservations, leases, rate limits. (P2)
import type { Core, Module } from '../app/core.js';
import type { MoneyModule } from '../ledger/module.js';
import type { RateLimiter } from '../ratelimit/ports.js';
import type { BudgetService, SpendRecorder } from './ports.js';

export interface BudgetsModule extends Module {
  budgets: BudgetService;
  spend: SpendRecorder;
  rateLimiter: RateLimiter;
}

export async function createBudgetsModule(_core: Core, _deps: { money: MoneyModule }): Promise<BudgetsModule> {
  return {} as BudgetsModule;
}
