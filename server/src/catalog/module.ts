// Catalog module: providers, models and deployments from the operator's YAML file and the admin
// API, persisted (secrets encrypted), served from memory; plus the route planner. (P3)
import type { Core, Module } from '../app/core.js';
import type { MoneyModule } from '../ledger/module.js';
import type { ModelRegistry, RoutePlanner } from '../routing/ports.js';

export interface CatalogModule extends Module {
  registry: ModelRegistry;
  planner: RoutePlanner;
}

export async function createCatalogModule(_core: Core, _deps: { money: MoneyModule }): Promise<CatalogModule> {
  const empty: ModelRegistry = { resolve: () => null, list: () => [] };
  return { registry: empty, planner: { plan: () => [], record: () => {} } };
}
