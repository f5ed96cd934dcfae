// The database type: each area declares its own tables in tables/<area>.ts.
import type { IdentityTables } from './tables/identity.js';
import type { MoneyTables } from './tables/money.js';
import type { BudgetTables } from './tables/budgets.js';
import type { MeteringTables } from './tables/metering.js';
import type { GatewayTables } from './tables/gateway.js';

export interface Database extends IdentityTables, MoneyTables, BudgetTables, MeteringTables, GatewayTables {}
