// Money module: the double-entry ledger, tenant wallets, the versioned price catalog and their
// routes (P2). Built right after identity; budgets, metering, catalog and gateway use its services.
import type { Core, Module } from '../app/core.js';
import type { PriceCatalog, PriceWriter } from '../pricing/ports.js';
import { InMemoryPriceCatalog } from '../pricing/price-catalog.js';
import { priceRoutes } from '../pricing/price-routes.js';
import { createPriceStore, type PriceStore } from '../pricing/price-store.js';
import { balanceRoutes } from '../wallets/balance-routes.js';
import { walletRoutes } from '../wallets/wallet-routes.js';
import { createWalletService, type WalletService } from '../wallets/wallet-service.js';
import { recomputeBalances, type BalanceAudit } from './ledger-queries.js';
import { createLedgerStore, type LedgerStore } from './ledger-store.js';
import type { IdentityHooks, MoneyRoutesContext } from './money-routes-context.js';
import type { Ledger } from './ports.js';
import { transactionRoutes } from './transaction-routes.js';

export interface MoneyModule extends Module {
  ledger: Ledger & LedgerStore;
  pricing: PriceCatalog & InMemoryPriceCatalog;
  prices: PriceWriter & PriceStore;
  wallets: WalletService;
  /** Verify every cached balance (ledger_accounts, wallets.balance) against the postings. */
  recomputeBalances(): Promise<BalanceAudit>;
}

/**
 * `deps.identity` gives the admin routes the audit log and the tenant lookup (404 for unknown
 * tenants); app/tollgate.ts passes it. Without it (unit tests) the routes work but record no
 * audit entries and cannot tell unknown tenants.
 */
export async function createMoneyModule(core: Core, deps: { identity?: IdentityHooks } = {}): Promise<MoneyModule> {
  const db = core.db.kysely;
  const now = () => core.clock.now();
  const currency = core.config.CURRENCY;
  const log = core.log.child({ module: 'money' });

  const ledger = createLedgerStore(core.db, { currency, now });
  const wallets = createWalletService(db, ledger, { currency, now });
  const catalog = new InMemoryPriceCatalog();
  const prices = createPriceStore(db, catalog, core.bus, now);
  await prices.reload();
  const unlisten = prices.listen((e) => log.error({ err: e }, 'price catalog reload failed'));

  const ctx: MoneyRoutesContext = {
    db,
    ledger,
    wallets,
    catalog,
    prices,
    identity: deps.identity ?? {},
    now,
    currency,
  };
  return {
    ledger,
    pricing: catalog,
    prices,
    wallets,
    recomputeBalances: () => recomputeBalances(db),
    async routes(app) {
      await app.register(walletRoutes(ctx));
      await app.register(balanceRoutes(ctx));
      await app.register(transactionRoutes(ctx));
      await app.register(priceRoutes(ctx));
    },
    async close() {
      unlisten();
    },
  };
}
