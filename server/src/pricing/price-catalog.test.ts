// The in-memory catalog and pricing rules: version selection, cached/cache-write/reasoning rates,
// multipliers, free and unpriced models, upper bounds. Exact integer expectations only.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseMoney } from '../shared/money.js';
import type { TokenCounts } from './ports.js';
import { InMemoryPriceCatalog } from './price-catalog.js';
import { costFor, type MultiplierVersion, type RawPrice } from './price-rules.js';

const T1 = Date.UTC(2026, 0, 1);
const T2 = Date.UTC(2026, 1, 1);

function raw(p: Partial<RawPrice> & { id: string; model: string }): RawPrice {
  return {
    deploymentId: null,
    inputPerMTok: parseMoney('2.5'),
    outputPerMTok: parseMoney('10'),
    cachedInputPerMTok: null,
    cacheWritePerMTok: null,
    reasoningPerMTok: null,
    free: false,
    effectiveFrom: T1,
    createdBy: null,
    createdAt: T1,
    ...p,
  };
}

const tokens = (t: Partial<TokenCounts>): TokenCounts => ({
  promptTokens: 0,
  completionTokens: 0,
  cachedTokens: 0,
  cacheWriteTokens: 0,
  reasoningTokens: 0,
  ...t,
});

function catalog(prices: RawPrice[], multipliers: MultiplierVersion[] = []): InMemoryPriceCatalog {
  const c = new InMemoryPriceCatalog();
  c.replace(prices, multipliers);
  return c;
}

describe('priceAt', () => {
  const c = catalog([
    raw({ id: 'prc_v1', model: 'gpt-4o', effectiveFrom: T1 }),
    raw({ id: 'prc_v2', model: 'gpt-4o', effectiveFrom: T2, inputPerMTok: parseMoney('3') }),
    raw({ id: 'prc_dep', model: 'gpt-4o', deploymentId: 'dep_azure', effectiveFrom: T2 + 10 }),
  ]);

  it('picks the latest version effective at the time', () => {
    expect(c.priceAt('gpt-4o', T1 - 1)).toBeNull();
    expect(c.priceAt('gpt-4o', T1)?.id).toBe('prc_v1');
    expect(c.priceAt('gpt-4o', T2 - 1)?.id).toBe('prc_v1');
    expect(c.priceAt('gpt-4o', T2)?.id).toBe('prc_v2');
  });

  it('prefers a deployment-specific price in force over the generic one', () => {
    expect(c.priceAt('gpt-4o', T2 + 5, 'dep_azure')?.id).toBe('prc_v2');
    expect(c.priceAt('gpt-4o', T2 + 10, 'dep_azure')?.id).toBe('prc_dep');
    expect(c.priceAt('gpt-4o', T2 + 10, 'dep_other')?.id).toBe('prc_v2');
    expect(c.priceAt('gpt-4o', T2 + 10)?.id).toBe('prc_v2');
  });

  it('a later correction at the same effective time wins', () => {
    const c2 = catalog([
      raw({ id: 'prc_b', model: 'm', createdAt: T1 + 5, inputPerMTok: 2n }),
      raw({ id: 'prc_a', model: 'm', createdAt: T1 + 1, inputPerMTok: 1n }),
    ]);
    expect(c2.priceAt('m', T2)?.id).toBe('prc_b');
  });

  it('unknown model → null price and null cost', () => {
    expect(c.priceAt('nope', T2)).toBeNull();
    expect(c.price('ten_1', 'nope', tokens({ promptTokens: 1 }), T2)).toBeNull();
    expect(c.upperBound('ten_1', 'nope', 10, 10, T2)).toBeNull();
  });
});

describe('price', () => {
  it('charges an event at the version in force at its time', () => {
    const c = catalog([
      raw({
        id: 'prc_v1',
        model: 'm',
        inputPerMTok: parseMoney('1'),
        outputPerMTok: parseMoney('2'),
        effectiveFrom: T1,
      }),
      raw({
        id: 'prc_v2',
        model: 'm',
        inputPerMTok: parseMoney('3'),
        outputPerMTok: parseMoney('5'),
        effectiveFrom: T2,
      }),
    ]);
    const t = tokens({ promptTokens: 1000, completionTokens: 500 });
    // v1: 1000 × 1 + 500 × 2 = 2000 $/Mtok·tok → 0.002 $ = 2_000_000 nano
    expect(c.price('ten_1', 'm', t, T2 - 1)).toEqual({
      cost: 2_000_000n,
      priceId: 'prc_v1',
      multiplierPpm: 1_000_000n,
      multiplierId: null,
    });
    // v2: 1000 × 3 + 500 × 5 = 5500 → 5_500_000 nano
    expect(c.price('ten_1', 'm', t, T2)?.cost).toBe(5_500_000n);
    expect(c.price('ten_1', 'm', t, T2)?.priceId).toBe('prc_v2');
  });

  it('prices cached tokens (included in prompt tokens) at the cached rate', () => {
    const c = catalog([
      raw({
        id: 'p',
        model: 'm',
        inputPerMTok: parseMoney('2.5'),
        cachedInputPerMTok: parseMoney('1.25'),
        outputPerMTok: parseMoney('10'),
      }),
    ]);
    // 1000 prompt of which 400 cached: 600 × 2.5 + 400 × 1.25 + 100 × 10 = 1500 + 500 + 1000 = 3000 → 3_000_000 nano
    expect(c.price('t', 'm', tokens({ promptTokens: 1000, cachedTokens: 400, completionTokens: 100 }), T2)?.cost).toBe(
      3_000_000n,
    );
  });

  it('prices cache writes and reasoning at their rates, falling back to input/output', () => {
    const priced = catalog([
      raw({
        id: 'p',
        model: 'm',
        inputPerMTok: 3_000_000_000n,
        cacheWritePerMTok: 3_750_000_000n,
        outputPerMTok: 15_000_000_000n,
        reasoningPerMTok: 20_000_000_000n,
      }),
    ]);
    const t = tokens({ promptTokens: 2000, cacheWriteTokens: 1000, completionTokens: 300, reasoningTokens: 100 });
    // 1000 × 3 + 1000 × 3.75 + 200 × 15 + 100 × 20 = 3000 + 3750 + 3000 + 2000 = 11750 → 11_750_000 nano
    expect(priced.price('t', 'm', t, T2)?.cost).toBe(11_750_000n);
    const fallback = catalog([
      raw({ id: 'p', model: 'm', inputPerMTok: 3_000_000_000n, outputPerMTok: 15_000_000_000n }),
    ]);
    // 2000 × 3 + 300 × 15 = 6000 + 4500 = 10500 → 10_500_000 nano
    expect(fallback.price('t', 'm', t, T2)?.cost).toBe(10_500_000n);
  });

  it('applies the tenant multiplier in force at the time, rounding once', () => {
    const multipliers: MultiplierVersion[] = [
      { id: 'mul_1', tenantId: 'ten_a', ppm: 1_250_000n, effectiveFrom: T1, createdBy: null, createdAt: T1 },
      { id: 'mul_2', tenantId: 'ten_a', ppm: 900_000n, effectiveFrom: T2, createdBy: null, createdAt: T2 },
    ];
    const c = catalog([raw({ id: 'p', model: 'm', inputPerMTok: 1_000n, outputPerMTok: 1_000n })], multipliers);
    const t = tokens({ promptTokens: 3 });
    // 3 × 1_000 = 3_000 nano·tok/Mtok = 0.003 nano; × 1.25 = 0.00375 → 1 nano (rounded once)
    expect(c.price('ten_a', 'm', t, T1)).toMatchObject({ cost: 1n, multiplierPpm: 1_250_000n, multiplierId: 'mul_1' });
    const big = tokens({ promptTokens: 1_000_000 });
    expect(c.price('ten_a', 'm', big, T1)?.cost).toBe(1_250n);
    expect(c.price('ten_a', 'm', big, T2)).toMatchObject({ cost: 900n, multiplierId: 'mul_2' });
    expect(c.price('ten_b', 'm', big, T2)).toMatchObject({ cost: 1_000n, multiplierId: null });
    expect(c.multiplierAt('ten_a', T1 - 1)).toEqual({ ppm: 1_000_000n, id: null });
  });

  it('a free model costs exactly zero (and keeps its price id)', () => {
    const c = catalog([raw({ id: 'prc_free', model: 'llama-local', free: true, inputPerMTok: 0n, outputPerMTok: 0n })]);
    expect(c.price('t', 'llama-local', tokens({ promptTokens: 10_000, completionTokens: 5_000 }), T2)).toMatchObject({
      cost: 0n,
      priceId: 'prc_free',
    });
    expect(c.upperBound('t', 'llama-local', 10_000, 10_000, T2)).toBe(0n);
  });

  it('never yields negative parts from inconsistent provider counts', () => {
    const c = catalog([raw({ id: 'p', model: 'm', inputPerMTok: 1_000_000_000n, outputPerMTok: 1_000_000_000n })]);
    // cached > prompt, reasoning > completion: clamp, do not throw
    expect(
      c.price('t', 'm', tokens({ promptTokens: 10, cachedTokens: 50, completionTokens: 5, reasoningTokens: 9 }), T2)
        ?.cost,
    ).toBe(15_000n);
  });
});

describe('upperBound', () => {
  it('prices the prompt at the dearest input rate and the max output at the dearest output rate', () => {
    const c = catalog(
      [
        raw({
          id: 'p',
          model: 'm',
          inputPerMTok: 3_000_000_000n,
          cacheWritePerMTok: 3_750_000_000n,
          outputPerMTok: 15_000_000_000n,
        }),
      ],
      [{ id: 'mul', tenantId: 'ten', ppm: 2_000_000n, effectiveFrom: T1, createdBy: null, createdAt: T1 }],
    );
    // (1000 × 3.75 + 500 × 15) × 2 = (3750 + 7500) × 2 = 22500 → 22_500_000 nano
    expect(c.upperBound('ten', 'm', 1000, 500, T2)).toBe(22_500_000n);
  });

  it('is never below the actual cost of any usage within the bounds', () => {
    const rate = fc.bigInt({ min: 0n, max: 100_000_000_000n });
    fc.assert(
      fc.property(
        rate,
        rate,
        fc.option(rate),
        fc.option(rate),
        fc.option(rate),
        fc.integer({ min: 0, max: 200_000 }),
        fc.integer({ min: 0, max: 200_000 }),
        fc.nat(),
        fc.nat(),
        fc.nat(),
        fc.bigInt({ min: 1n, max: 3_000_000n }),
        (input, output, cached, write, reasoning, prompt, maxOut, a, b, d, ppm) => {
          const c = catalog(
            [
              raw({
                id: 'p',
                model: 'm',
                inputPerMTok: input,
                outputPerMTok: output,
                cachedInputPerMTok: cached,
                cacheWritePerMTok: write,
                reasoningPerMTok: reasoning,
              }),
            ],
            [{ id: 'x', tenantId: 't', ppm, effectiveFrom: T1, createdBy: null, createdAt: T1 }],
          );
          const cachedTokens = prompt === 0 ? 0 : a % (prompt + 1);
          const writeTokens = prompt - cachedTokens === 0 ? 0 : b % (prompt - cachedTokens + 1);
          const completion = maxOut;
          const actual = costFor(
            c.priceAt('m', T2)!,
            tokens({
              promptTokens: prompt,
              cachedTokens,
              cacheWriteTokens: writeTokens,
              completionTokens: completion,
              reasoningTokens: completion === 0 ? 0 : d % (completion + 1),
            }),
            ppm,
          );
          return c.upperBound('t', 'm', prompt, maxOut, T2)! >= actual;
        },
      ),
    );
  });
});

describe('current and history listings', () => {
  it('lists the version in force per (model, deployment) and every version', () => {
    const c = catalog([
      raw({ id: 'a1', model: 'a', effectiveFrom: T1 }),
      raw({ id: 'a2', model: 'a', effectiveFrom: T2 }),
      raw({ id: 'b1', model: 'b', effectiveFrom: T2 + 100 }),
      raw({ id: 'a-dep', model: 'a', deploymentId: 'dep_1', effectiveFrom: T1 }),
    ]);
    expect(c.current(T2).map((v) => v.price.id)).toEqual(['a2', 'a-dep']);
    expect(
      c
        .allVersions()
        .map((v) => v.price.id)
        .sort(),
    ).toEqual(['a-dep', 'a1', 'a2', 'b1']);
    expect(c.versionsOf('a', null).map((v) => v.price.id)).toEqual(['a1', 'a2']);
  });
});
