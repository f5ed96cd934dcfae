// The in-memory price catalog the hot path reads (no database per request). Holds every price
// and multiplier version; `replace` swaps in a freshly loaded set (price-store reloads it on the
// bus topic 'pricing.changed'). Pure: time is always passed in.
import { PPM, type Nano } from '../shared/money.js';
import type { ModelPrice, PriceCatalog, PricedCost, TokenCounts } from './ports.js';
import {
  compareVersions,
  costFor,
  inForceAt,
  priceKey,
  selectPrice,
  toVersion,
  upperBoundFor,
  type MultiplierVersion,
  type PriceVersion,
  type RawPrice,
} from './price-rules.js';

export class InMemoryPriceCatalog implements PriceCatalog {
  private byKey = new Map<string, ModelPrice[]>();
  private versionsByKey = new Map<string, PriceVersion[]>();
  private multipliers = new Map<string, MultiplierVersion[]>();

  /** Swap in a complete set of versions (atomic for readers: they see the old or the new set). */
  replace(prices: readonly RawPrice[], multipliers: readonly MultiplierVersion[]): void {
    const versionsByKey = new Map<string, PriceVersion[]>();
    const sorted = [...prices].sort((a, b) => compareVersions(a, b));
    for (const raw of sorted) {
      const key = priceKey(raw.model, raw.deploymentId);
      let list = versionsByKey.get(key);
      if (!list) versionsByKey.set(key, (list = []));
      list.push(toVersion(raw));
    }
    const byKey = new Map<string, ModelPrice[]>();
    for (const [key, list] of versionsByKey)
      byKey.set(
        key,
        list.map((v) => v.price),
      );
    const mult = new Map<string, MultiplierVersion[]>();
    for (const m of [...multipliers].sort((a, b) => compareVersions(a, b))) {
      let list = mult.get(m.tenantId);
      if (!list) mult.set(m.tenantId, (list = []));
      list.push(m);
    }
    this.versionsByKey = versionsByKey;
    this.byKey = byKey;
    this.multipliers = mult;
  }

  priceAt(model: string, at: number, deploymentId?: string | null): ModelPrice | null {
    return selectPrice(this.byKey, model, at, deploymentId);
  }

  multiplierAt(tenantId: string, at: number): { ppm: bigint; id: string | null } {
    const m = inForceAt(this.multipliers.get(tenantId) ?? [], at);
    return m ? { ppm: m.ppm, id: m.id } : { ppm: PPM, id: null };
  }

  price(
    tenantId: string,
    model: string,
    tokens: TokenCounts,
    at: number,
    deploymentId?: string | null,
  ): PricedCost | null {
    const p = this.priceAt(model, at, deploymentId);
    if (!p) return null;
    const m = this.multiplierAt(tenantId, at);
    return { cost: costFor(p, tokens, m.ppm), priceId: p.id, multiplierPpm: m.ppm, multiplierId: m.id };
  }

  upperBound(
    tenantId: string,
    model: string,
    promptTokens: number,
    maxOutputTokens: number,
    at: number,
    deploymentId?: string | null,
  ): Nano | null {
    const p = this.priceAt(model, at, deploymentId);
    if (!p) return null;
    return upperBoundFor(p, promptTokens, maxOutputTokens, this.multiplierAt(tenantId, at).ppm);
  }

  /** The version in force at `at` for every (model, deployment) that has one, sorted by model. */
  current(at: number): PriceVersion[] {
    const out: PriceVersion[] = [];
    for (const list of this.versionsByKey.values()) {
      const v = inForceAt(
        list.map((x) => ({ effectiveFrom: x.price.effectiveFrom, v: x })),
        at,
      );
      if (v) out.push(v.v);
    }
    return out.sort(
      (a, b) =>
        a.price.model.localeCompare(b.price.model) ||
        (a.price.deploymentId ?? '').localeCompare(b.price.deploymentId ?? ''),
    );
  }

  /** Every version of one (model, deployment), oldest first. */
  versionsOf(model: string, deploymentId: string | null): readonly PriceVersion[] {
    return this.versionsByKey.get(priceKey(model, deploymentId)) ?? [];
  }

  /** Every version, oldest first per model. */
  allVersions(): PriceVersion[] {
    return [...this.versionsByKey.values()].flat();
  }

  multiplierVersions(tenantId: string): readonly MultiplierVersion[] {
    return this.multipliers.get(tenantId) ?? [];
  }
}
