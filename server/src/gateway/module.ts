// Gateway module: the /v1 model endpoints, routing, provider calls. (P3)
import type { Core, Module } from '../app/core.js';
import type { BudgetsModule } from '../budgets/module.js';
import type { IdentityModule } from '../identity/module.js';
import type { MoneyModule } from '../ledger/module.js';
import type { MeteringModule } from '../metering/module.js';
import type { CatalogModule } from '../catalog/module.js';

export type GatewayModule = Module;

export async function createGatewayModule(
  _core: Core,
  _deps: { identity: IdentityModule; money: MoneyModule; budgets: BudgetsModule; metering: MeteringModule; catalog: CatalogModule },
): Promise<GatewayModule> {
  return {};
}
