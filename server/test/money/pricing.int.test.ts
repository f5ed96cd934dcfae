// Price storage on real SQLite and PostgreSQL: versions appended (never edited), identical writes
// are no-ops, the catalog reloads on 'pricing.changed', multipliers versioned.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { InProcessBus } from '../../src/bus/bus.js';
import { InMemoryPriceCatalog } from '../../src/pricing/price-catalog.js';
import { createPriceStore, type PriceStore } from '../../src/pricing/price-store.js';
import { ManualClock } from '../../src/shared/clock.js';
import { createTestDb, eachDialect, type TestDb } from '../support/db.js';

const T1 = Date.UTC(2026, 0, 1);
const T2 = Date.UTC(2026, 1, 1);
const usage = {
  promptTokens: 1_000_000,
  completionTokens: 1_000_000,
  cachedTokens: 0,
  cacheWriteTokens: 0,
  reasoningTokens: 0,
};

eachDialect('price store', (dialect) => {
  let db: TestDb;
  let catalog: InMemoryPriceCatalog;
  let store: PriceStore;
  let bus: InProcessBus;
  const clock = new ManualClock(T1);
  beforeAll(async () => {
    db = await createTestDb(dialect);
    bus = new InProcessBus();
    catalog = new InMemoryPriceCatalog();
    store = createPriceStore(db.kysely, catalog, bus, () => clock.now());
    await store.reload();
  });
  afterAll(async () => db.close());

  it('corrections written in the same millisecond for the same instant: the later one is in force', async () => {
    // The clock stands still, so the versions share created_at too: only their ids order them.
    for (let i = 1; i <= 20; i++) {
      await store.setPrice(
        { model: 'same-ms', inputPerMTok: String(i), outputPerMTok: '1', effectiveFrom: T1 },
        'usr_op',
      );
      expect(catalog.price('ten', 'same-ms', usage, T1)?.cost, `price correction ${i}`).toBe(
        BigInt(i) * 1_000_000_000n + 1_000_000_000n,
      );
      await store.setMultiplier({ tenantId: 'ten_same_ms', ppm: BigInt(i) * 1_000_000n, effectiveFrom: T1 });
      expect(catalog.multiplierAt('ten_same_ms', T1).ppm, `multiplier correction ${i}`).toBe(BigInt(i) * 1_000_000n);
    }
  });

  it('a price change is a new version: events before and after are charged at their own version', async () => {
    const v1 = await store.setPrice(
      { model: 'gpt-x', inputPerMTok: '2.50', outputPerMTok: '10', effectiveFrom: T1 },
      'usr_op',
    );
    const v2 = await store.setPrice(
      { model: 'gpt-x', inputPerMTok: '3', outputPerMTok: '12', effectiveFrom: T2 },
      'usr_op',
    );
    expect(v1.id).not.toBe(v2.id);
    expect(catalog.price('ten', 'gpt-x', usage, T2 - 1)).toMatchObject({ cost: 12_500_000_000n, priceId: v1.id });
    expect(catalog.price('ten', 'gpt-x', usage, T2)).toMatchObject({ cost: 15_000_000_000n, priceId: v2.id });
    const rows = await db.kysely.selectFrom('model_prices').select('id').where('model', '=', 'gpt-x').execute();
    expect(rows).toHaveLength(2);
  });

  it('setting the same rates again is a no-op returning the current version', async () => {
    const before = catalog.versionsOf('gpt-x', null).length;
    const same = await store.setPrice({
      model: 'gpt-x',
      inputPerMTok: '3.0',
      outputPerMTok: '12.000',
      effectiveFrom: T2 + 1000,
    });
    expect(same.effectiveFrom).toBe(T2);
    expect(catalog.versionsOf('gpt-x', null)).toHaveLength(before);
  });

  it('the rates already in force are a no-op even while a later version is scheduled (a re-applied config file)', async () => {
    const now = clock.now();
    const inForce = await store.setPrice({ model: 'gpt-sched', inputPerMTok: '2.50', outputPerMTok: '10' });
    await store.setPrice({
      model: 'gpt-sched',
      inputPerMTok: '3',
      outputPerMTok: '12',
      effectiveFrom: now + 86_400_000,
    });
    const same = await store.setPrice({ model: 'gpt-sched', inputPerMTok: '2.5', outputPerMTok: '10' });
    expect(same.id).toBe(inForce.id);
    expect(catalog.versionsOf('gpt-sched', null)).toHaveLength(2);
    expect(catalog.priceAt('gpt-sched', now)!.id).toBe(inForce.id);
    expect(catalog.priceAt('gpt-sched', now + 86_400_000)!.inputPerMTok).toBe(3_000_000_000n);
  });

  it('stores optional rates as entered and resolves fallbacks', async () => {
    const p = await store.setPrice({
      model: 'claude-x',
      inputPerMTok: '3',
      outputPerMTok: '15',
      cacheWritePerMTok: '3.75',
      cachedInputPerMTok: '0.3',
      effectiveFrom: T1,
    });
    expect(p).toMatchObject({
      cachedInputPerMTok: 300_000_000n,
      cacheWritePerMTok: 3_750_000_000n,
      reasoningPerMTok: 15_000_000_000n,
    });
    const row = await db.kysely.selectFrom('model_prices').selectAll().where('id', '=', p.id).executeTakeFirstOrThrow();
    expect(row.reasoning_per_mtok).toBeNull();
    expect(row.cache_write_per_mtok).toBe(3_750_000_000n);
  });

  it('refuses bad rates naming the field', async () => {
    await expect(
      store.setPrice({ model: 'bad', inputPerMTok: '1.0000000001', outputPerMTok: '1' }),
    ).rejects.toMatchObject({
      code: 'validation_error',
      details: { field: 'input_per_mtok' },
    });
    await expect(store.setPrice({ model: 'bad', inputPerMTok: '1', outputPerMTok: '-1' })).rejects.toMatchObject({
      details: { field: 'output_per_mtok' },
    });
    await expect(store.setPrice({ model: ' ', inputPerMTok: '1', outputPerMTok: '1' })).rejects.toMatchObject({
      details: { field: 'model' },
    });
  });

  it('free models cost zero; unknown models stay unpriced', async () => {
    await store.setPrice({
      model: 'local-llama',
      inputPerMTok: '0',
      outputPerMTok: '0',
      free: true,
      effectiveFrom: T1,
    });
    expect(catalog.price('ten', 'local-llama', usage, T2)?.cost).toBe(0n);
    expect(catalog.price('ten', 'never-priced', usage, T2)).toBeNull();
  });

  it('multipliers are versioned per tenant', async () => {
    clock.set(T1);
    await store.setMultiplier({ tenantId: 'ten_m', ppm: 1_250_000n }, 'usr_op');
    await store.setMultiplier({ tenantId: 'ten_m', ppm: 900_000n, effectiveFrom: T2 });
    expect(catalog.price('ten_m', 'gpt-x', usage, T2 - 1)?.cost).toBe(15_625_000_000n); // 12.5 × 1.25
    expect(catalog.price('ten_m', 'gpt-x', usage, T2)?.cost).toBe(13_500_000_000n); // 15 × 0.9
    await expect(store.setMultiplier({ tenantId: 'ten_m', ppm: 0n })).rejects.toMatchObject({
      code: 'validation_error',
    });
  });

  it("another writer's change reaches this catalog through 'pricing.changed'", async () => {
    const otherCatalog = new InMemoryPriceCatalog();
    const other = createPriceStore(db.kysely, otherCatalog, new InProcessBus(), () => clock.now());
    const unlisten = store.listen(() => {});
    await other.setPrice({ model: 'from-elsewhere', inputPerMTok: '1', outputPerMTok: '1', effectiveFrom: T1 });
    expect(catalog.priceAt('from-elsewhere', T2)).toBeNull();
    bus.publish('pricing.changed', {});
    await expect.poll(() => catalog.priceAt('from-elsewhere', T2)?.model).toBe('from-elsewhere');
    unlisten();
  });
});
