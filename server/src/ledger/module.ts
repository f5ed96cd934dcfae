// Money module: ledger, wallets, price catalog and their routes. (P2)
import type { Core, Module } from '../app/core.js';
import type { PriceCatalog, PriceWriter } from '../pricing/ports.js';
import type { Ledger } from './ports.js';

export interface MoneyModule extends Module {
  ledger: Ledger;
  pricing: PriceCatalog;
  prices: PriceWriter;
}

export async function createMoneyModule(_core: Core): Promise<MoneyModule> {
  return {} as MoneyModule;
}
