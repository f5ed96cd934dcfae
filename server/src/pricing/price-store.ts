// Price storage: versioned model prices and tenant multipliers in the database, loaded into the
// in-memory catalog at start and reloaded on 'pricing.changed'. Writes append a version (history is
// never edited, so past charges keep the version they were priced with).
import type { Kysely, Selectable } from 'kysely';
import type { EventBus } from '../bus/bus.js';
import type { Database } from '../db/schema.js';
import type { ModelPricesTable } from '../db/tables/money.js';
import { toBig, toNum } from '../db/database.js';
import { invalid } from '../shared/errors.js';
import { nextId } from '../shared/monotonic-id.js';
import { MoneyFormatError, parseMoney, type Nano } from '../shared/money.js';
import type { ModelPrice, PriceInput, PriceWriter } from './ports.js';
import type { InMemoryPriceCatalog } from './price-catalog.js';
import { sameRates, toVersion, type MultiplierVersion, type PriceVersion, type RawPrice } from './price-rules.js';

export interface MultiplierInput {
  tenantId: string;
  ppm: bigint;
  /** epoch ms; default now */
  effectiveFrom?: number;
}

export interface PriceStore extends PriceWriter {
  /**
   * setPrice for the admin route: the version in force afterwards, read from the database (this
   * process's catalog may not hold a version another process wrote yet), and whether it is new.
   */
  addPriceVersion(input: PriceInput, actorId?: string | null): Promise<{ version: PriceVersion; created: boolean }>;
  setMultiplier(input: MultiplierInput, actorId?: string | null): Promise<MultiplierVersion>;
  /** Reload the catalog from the database. */
  reload(): Promise<void>;
  /** Subscribe to 'pricing.changed'; returns the unsubscribe function. */
  listen(onError: (e: unknown) => void): () => void;
}

type PriceRow = Selectable<ModelPricesTable>;

function selectPrices(db: Kysely<Database>) {
  return db.selectFrom('model_prices').selectAll().execute();
}

function rowToRaw(r: PriceRow): RawPrice {
  const opt = (v: bigint | null) => (v === null ? null : toBig(v));
  return {
    id: r.id,
    model: r.model,
    deploymentId: r.deployment_id,
    inputPerMTok: toBig(r.input_per_mtok),
    outputPerMTok: toBig(r.output_per_mtok),
    cachedInputPerMTok: opt(r.cached_input_per_mtok),
    cacheWritePerMTok: opt(r.cache_write_per_mtok),
    reasoningPerMTok: opt(r.reasoning_per_mtok),
    free: toBig(r.free) === 1n,
    effectiveFrom: toNum(r.effective_from),
    createdBy: r.created_by,
    createdAt: toNum(r.created_at),
  };
}

/** Parse one decimal-string rate; errors name the API field. */
function rate(field: string, value: string | null | undefined): Nano | null {
  if (value === null || value === undefined) return null;
  let v: Nano;
  try {
    v = parseMoney(value);
  } catch (e) {
    if (e instanceof MoneyFormatError) throw invalid(field, 'must be a decimal number with at most 9 fraction digits');
    throw e;
  }
  if (v < 0n) throw invalid(field, 'must not be negative');
  return v;
}

export function createPriceStore(
  db: Kysely<Database>,
  catalog: InMemoryPriceCatalog,
  bus: EventBus,
  now: () => number,
): PriceStore {
  let publishing = false;

  async function reload(): Promise<void> {
    const [prices, multipliers] = await Promise.all([
      selectPrices(db),
      db.selectFrom('tenant_multipliers').selectAll().execute(),
    ]);
    catalog.replace(
      prices.map(rowToRaw),
      multipliers.map((m) => ({
        id: m.id,
        tenantId: m.tenant_id,
        ppm: toBig(m.ppm),
        effectiveFrom: toNum(m.effective_from),
        createdBy: m.created_by,
        createdAt: toNum(m.created_at),
      })),
    );
  }

  /** Make the change visible here at once, then tell every other cache. */
  async function changed(): Promise<void> {
    await reload();
    publishing = true;
    try {
      bus.publish('pricing.changed', {});
    } finally {
      publishing = false;
    }
  }

  async function addPriceVersion(
    input: PriceInput,
    actorId?: string | null,
  ): Promise<{ version: PriceVersion; created: boolean }> {
    const model = input.model.trim();
    if (!model || model.length > 200) throw invalid('model', 'must be 1–200 characters');
    const deploymentId = input.deploymentId?.trim() || null;
    const rates = {
      inputPerMTok: rate('input_per_mtok', input.inputPerMTok)!,
      outputPerMTok: rate('output_per_mtok', input.outputPerMTok)!,
      cachedInputPerMTok: rate('cached_input_per_mtok', input.cachedInputPerMTok),
      cacheWritePerMTok: rate('cache_write_per_mtok', input.cacheWritePerMTok),
      reasoningPerMTok: rate('reasoning_per_mtok', input.reasoningPerMTok),
      free: input.free ?? false,
    };
    const at = now();
    const effectiveFrom = input.effectiveFrom ?? at;
    if (!Number.isSafeInteger(effectiveFrom)) throw invalid('effective_from', 'must be a valid time');

    // A no-op when the version in force at effectiveFrom already has these rates: the timeline would
    // not change. (Not "the latest version": with a later one scheduled, re-applying the config
    // file's unchanged price would otherwise add a redundant version at every start.)
    let q = db
      .selectFrom('model_prices')
      .selectAll()
      .where('model', '=', model)
      .where('effective_from', '<=', BigInt(effectiveFrom));
    q = deploymentId ? q.where('deployment_id', '=', deploymentId) : q.where('deployment_id', 'is', null);
    const inForceRow = await q
      .orderBy('effective_from', 'desc')
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();
    if (inForceRow) {
      const inForce = toVersion(rowToRaw(inForceRow));
      if (sameRates(inForce, rates)) return { version: inForce, created: false };
    }

    const raw: RawPrice = {
      id: nextId('prc', at),
      model,
      deploymentId,
      ...rates,
      effectiveFrom,
      createdBy: actorId ?? null,
      createdAt: at,
    };
    await db
      .insertInto('model_prices')
      .values({
        id: raw.id,
        model,
        deployment_id: deploymentId,
        input_per_mtok: raw.inputPerMTok,
        output_per_mtok: raw.outputPerMTok,
        cached_input_per_mtok: raw.cachedInputPerMTok,
        cache_write_per_mtok: raw.cacheWritePerMTok,
        reasoning_per_mtok: raw.reasoningPerMTok,
        free: raw.free ? 1 : 0,
        effective_from: effectiveFrom,
        created_by: raw.createdBy,
        created_at: at,
      })
      .execute();
    await changed();
    return { version: toVersion(raw), created: true };
  }

  async function setPrice(input: PriceInput, actorId?: string | null): Promise<ModelPrice> {
    return (await addPriceVersion(input, actorId)).version.price;
  }

  async function setMultiplier(input: MultiplierInput, actorId?: string | null): Promise<MultiplierVersion> {
    if (input.ppm <= 0n) throw invalid('multiplier', 'must be greater than zero');
    const at = now();
    const effectiveFrom = input.effectiveFrom ?? at;
    if (!Number.isSafeInteger(effectiveFrom)) throw invalid('effective_from', 'must be a valid time');
    const version: MultiplierVersion = {
      id: nextId('prc', at),
      tenantId: input.tenantId,
      ppm: input.ppm,
      effectiveFrom,
      createdBy: actorId ?? null,
      createdAt: at,
    };
    await db
      .insertInto('tenant_multipliers')
      .values({
        id: version.id,
        tenant_id: version.tenantId,
        ppm: version.ppm,
        effective_from: effectiveFrom,
        created_by: version.createdBy,
        created_at: at,
      })
      .execute();
    await changed();
    return version;
  }

  function listen(onError: (e: unknown) => void): () => void {
    return bus.subscribe('pricing.changed', () => {
      if (publishing) return; // our own change: already reloaded
      reload().catch(onError);
    });
  }

  return { setPrice, addPriceVersion, setMultiplier, reload, listen };
}
