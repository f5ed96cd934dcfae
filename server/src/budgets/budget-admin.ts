// Budget definitions and their current state as the admin API and seed 003 show them: set/list
// tenant and agent budgets, a user's budget (seed 002: total / used / remaining / reset date),
// and the manual reset of every user budget (seed 003 reset-budgets).
import type { Kysely } from 'kysely';
import type { EventBus } from '../bus/bus.js';
import type { Database } from '../db/schema.js';
import type { BudgetPeriod } from '../identity/ports.js';
import { toBig, toNum } from '../db/database.js';
import { rowToDefinition, selectDefinitions, type BudgetDefinition, type BudgetStore } from './budget-store.js';
import { currentPeriodStart, nextResetAt } from './period.js';

export interface BudgetState {
  scopeKey: string;
  kind: BudgetDefinition['kind'];
  subject: string;
  tenantId: string | null;
  limit: bigint;
  period: BudgetPeriod;
  periodStart: number;
  spent: bigint;
  reserved: bigint;
  /** limit − spent − reserved, never below zero. */
  remaining: bigint;
  /** Next automatic reset (null for `total`). */
  resetsAt: number | null;
}

export interface SetBudgetInput {
  kind: BudgetDefinition['kind'];
  tenantId: string | null;
  subject: string;
  limit: bigint;
  period: BudgetPeriod;
}

export const budgetScopeKey = (kind: BudgetDefinition['kind'], tenantId: string | null, subject: string): string =>
  kind === 'agent' ? `agent:${tenantId}/${subject}` : `${kind}:${subject}`;

export class BudgetAdmin {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly store: BudgetStore,
    private readonly bus: EventBus,
    private readonly now: () => number,
  ) {}

  async set(input: SetBudgetInput): Promise<BudgetState> {
    const key = budgetScopeKey(input.kind, input.tenantId, input.subject);
    const now = this.now();
    await this.db
      .insertInto('budgets')
      .values({
        scope_key: key,
        kind: input.kind,
        tenant_id: input.tenantId,
        subject: input.subject,
        limit_nano: input.limit,
        period: input.period,
        reset_at: 0,
        created_at: now,
        updated_at: now,
      })
      .onConflict((oc) =>
        oc.column('scope_key').doUpdateSet({ limit_nano: input.limit, period: input.period, updated_at: now }),
      )
      .execute();
    this.bus.publish('budget.changed', { scopeKey: key });
    return (await this.state(key))!;
  }

  async remove(scopeKey: string): Promise<boolean> {
    const r = await this.db.deleteFrom('budgets').where('scope_key', '=', scopeKey).executeTakeFirst();
    this.bus.publish('budget.changed', { scopeKey });
    return toNum(r.numDeletedRows) > 0;
  }

  async state(scopeKey: string): Promise<BudgetState | null> {
    const def = await this.store.definition(scopeKey);
    return def ? this.withCounter(def) : null;
  }

  /** Tenant and agent budgets of a tenant (user budgets are listed per user). */
  async listForTenant(tenantId: string): Promise<BudgetState[]> {
    const rows = await selectDefinitions(this.db)
      .where('budgets.tenant_id', '=', tenantId)
      .where('budgets.kind', 'in', ['tenant', 'agent'])
      .orderBy('budgets.scope_key')
      .execute();
    return Promise.all(rows.map((r) => this.withCounter(rowToDefinition(r))));
  }

  /** Start a new period now for every user budget; returns how many were reset. */
  async resetUserBudgets(): Promise<number> {
    const now = this.now();
    const r = await this.db
      .updateTable('budgets')
      .set({ reset_at: now, updated_at: now })
      .where('kind', '=', 'user')
      .executeTakeFirst();
    this.bus.publish('budget.changed', {});
    return toNum(r.numUpdatedRows);
  }

  private async withCounter(def: BudgetDefinition): Promise<BudgetState> {
    const now = this.now();
    const periodStart = currentPeriodStart(def.period, def.resetAt, now, def.timeZone);
    const c = await this.store.counter(def.scopeKey, periodStart);
    const left = def.limit - c.spent - c.reserved;
    return {
      scopeKey: def.scopeKey,
      kind: def.kind,
      subject: def.subject,
      tenantId: def.tenantId,
      limit: def.limit,
      period: def.period,
      periodStart,
      spent: toBig(c.spent),
      reserved: toBig(c.reserved),
      remaining: left > 0n ? left : 0n,
      resetsAt: nextResetAt(def.period, now, def.timeZone),
    };
  }
}
