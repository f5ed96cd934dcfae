// Budget definitions (tenant, user, agent) served from memory on the hot path. Entries (including
// "no budget here") live for a TTL so other processes' edits arrive; 'budget.changed' on the bus
// drops them at once in this process. The limit itself is re-read by the take's UPDATE, so a stale
// entry can only pick the wrong period row, never let a take exceed the limit.
import type { BudgetDefinition, BudgetStore } from './budget-store.js';

interface Entry {
  def: BudgetDefinition | null;
  loadedAt: number;
}

export class DefinitionCache {
  private readonly entries = new Map<string, Entry>();
  private readonly loading = new Map<string, Promise<BudgetDefinition | null>>();

  constructor(
    private readonly store: BudgetStore,
    private readonly ttlMs: number,
    private readonly maxEntries = 100_000,
  ) {}

  /** The cached definition; undefined when it must be loaded. */
  peek(scopeKey: string, nowMs: number): BudgetDefinition | null | undefined {
    const e = this.entries.get(scopeKey);
    if (!e || nowMs - e.loadedAt > this.ttlMs) return undefined;
    return e.def;
  }

  async get(scopeKey: string, nowMs: number): Promise<BudgetDefinition | null> {
    const hit = this.peek(scopeKey, nowMs);
    if (hit !== undefined) return hit;
    let p = this.loading.get(scopeKey);
    if (!p) {
      p = this.store.definition(scopeKey).finally(() => this.loading.delete(scopeKey));
      this.loading.set(scopeKey, p);
    }
    const def = await p;
    if (this.entries.size >= this.maxEntries) this.entries.clear();
    this.entries.set(scopeKey, { def, loadedAt: nowMs });
    return def;
  }

  /** Store a definition loaded elsewhere (recordSpend reads inside its transaction). */
  remember(scopeKey: string, def: BudgetDefinition | null, nowMs: number): void {
    if (this.entries.size >= this.maxEntries) this.entries.clear();
    this.entries.set(scopeKey, { def, loadedAt: nowMs });
  }

  invalidate(scopeKey?: string): void {
    if (scopeKey === undefined) this.entries.clear();
    else this.entries.delete(scopeKey);
  }
}
