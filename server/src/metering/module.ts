// Metering module: the one usage pipeline, rollups, seed 003 billing API. (P2)
import type { Core, Module } from '../app/core.js';
import type { BudgetsModule } from '../budgets/module.js';
import type { IdentityModule } from '../identity/module.js';
import type { MoneyModule } from '../ledger/module.js';
import type { MeteringPipeline } from './ports.js';

export interface MeteringModule extends Module {
  pipeline: MeteringPipeline;
}

export async function createMeteringModule(
  _core: Core,
  _deps: { identity: IdentityModule; money: MoneyModule; budgets: BudgetsModule },
): Promise<MeteringModule> {
  return {} as MeteringModule;
}
