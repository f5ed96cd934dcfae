import { describe, expect, it } from 'vitest';
import { rawPrice, usageEvent } from '../../test/metering/support.js';
import { InMemoryPriceCatalog } from '../pricing/price-catalog.js';
import { AppError } from '../shared/errors.js';
import { MAX_AMOUNT, parseMoney } from '../shared/money.js';
import { contentHash } from './content-hash.js';
import { prepareEvent } from './prepared-event.js';

const catalog = new InMemoryPriceCatalog();
catalog.replace([rawPrice('gpt-test', '10', '30')], []);

function refusal(r: ReturnType<typeof prepareEvent>): { code: string; field: unknown } {
  if (r.ok) throw new Error('expected a refusal');
  expect(r.error).toBeInstanceOf(AppError);
  return { code: r.error.code, field: r.error.details?.['field'] };
}

describe('prepareEvent', () => {
  it('prices by the catalog and hashes on first use', () => {
    const event = usageEvent({ model: 'gpt-test', cost: null, promptTokens: 1_000_000, completionTokens: 0 });
    const r = prepareEvent({ event }, catalog);
    if (!r.ok) throw r.error;
    expect(r.value.cost).toBe(parseMoney('10'));
    expect(r.value.priceId).toBe('prc_gpt-test_0');
    expect(r.value.hash).toBe(contentHash(event));
  });

  it('refuses usage that prices beyond the largest amount (it would not fit the 64-bit columns)', () => {
    const tokens = Number.MAX_SAFE_INTEGER; // 2^53 − 1 prompt tokens at $10/Mtok ≈ 9 × 10^10 units
    const priced = usageEvent({ model: 'gpt-test', cost: null, promptTokens: tokens, completionTokens: 0 });
    expect(refusal(prepareEvent({ event: priced }, catalog))).toEqual({
      code: 'validation_error',
      field: 'promptTokens',
    });
    const given = usageEvent({ cost: (MAX_AMOUNT + 1n).toString() });
    expect(refusal(prepareEvent({ event: given }, catalog))).toEqual({ code: 'validation_error', field: 'cost' });
    const provider = usageEvent({ cost: '1', providerCost: (MAX_AMOUNT + 1n).toString() });
    expect(refusal(prepareEvent({ event: provider }, catalog))).toEqual({
      code: 'validation_error',
      field: 'providerCost',
    });
  });

  it('accepts the largest amount itself', () => {
    const r = prepareEvent(
      { event: usageEvent({ cost: MAX_AMOUNT.toString(), providerCost: MAX_AMOUNT.toString() }) },
      catalog,
    );
    expect(r.ok && r.value.cost).toBe(MAX_AMOUNT);
  });
});
