// money.ts: exact parsing/formatting, the single upward rounding, grouping-independent costs.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ceilDiv,
  costOf,
  decimalTextOf,
  exactMoneyFromNumber,
  formatMoney,
  formatMultiplier,
  formatScaled,
  MoneyFormatError,
  moneyFromNumber,
  moneyToNumber,
  parseMoney,
  parseMultiplier,
  parseScaled,
  PPM,
  type PricedTokens,
} from './money.js';

const nano = fc.bigInt({ min: -(10n ** 18n), max: 10n ** 18n });

describe('parseMoney / formatMoney', () => {
  it('parses decimal strings exactly', () => {
    expect(parseMoney('12.34')).toBe(12_340_000_000n);
    expect(parseMoney('0.000000001')).toBe(1n);
    expect(parseMoney('-3')).toBe(-3_000_000_000n);
    expect(parseMoney(' 7.5 ')).toBe(7_500_000_000n);
  });

  it('rejects more than 9 fraction digits instead of rounding', () => {
    expect(() => parseMoney('0.0000000001')).toThrow(MoneyFormatError);
    expect(() => parseMoney('1.1234567891')).toThrow(/more than 9 fraction digits/);
  });

  it('rejects things that are not decimals', () => {
    for (const bad of ['', 'abc', '1e3', '1.', '.5', '1,5', '--1', '0x10', 'NaN']) {
      expect(() => parseMoney(bad), bad).toThrow(MoneyFormatError);
    }
  });

  it('formats with trailing zeros trimmed and at least two fraction digits', () => {
    expect(formatMoney(12_340_000_000n)).toBe('12.34');
    expect(formatMoney(0n)).toBe('0.00');
    expect(formatMoney(1n)).toBe('0.000000001');
    expect(formatMoney(-1_500_000_000n)).toBe('-1.50');
    expect(formatMoney(5_000_000_000n, 0)).toBe('5');
  });

  it('round-trips every amount: parse(format(x)) = x', () => {
    fc.assert(fc.property(nano, (v) => parseMoney(formatMoney(v)) === v));
  });

  it('round-trips every canonical decimal string: format(parse(s)) = s', () => {
    const decimal = fc
      .tuple(fc.bigInt({ min: 0n, max: 10n ** 12n }), fc.integer({ min: 0, max: 999_999_999 }))
      .map(([whole, frac]) => formatMoney(whole * 1_000_000_000n + BigInt(frac)));
    fc.assert(fc.property(decimal, (s) => formatMoney(parseMoney(s)) === s));
  });
});

describe('JSON numbers at seed boundaries', () => {
  it('moneyFromNumber takes the decimal the sender wrote', () => {
    expect(moneyFromNumber(0.05)).toBe(50_000_000n);
    expect(moneyFromNumber(100)).toBe(100_000_000_000n);
    expect(() => moneyFromNumber(Number.NaN)).toThrow(MoneyFormatError);
    expect(() => moneyFromNumber(Number.POSITIVE_INFINITY)).toThrow(MoneyFormatError);
  });

  it('moneyFromNumber is exact where the binary double is not (toFixed(9) printed 50000000.009999998)', () => {
    expect(moneyFromNumber(50000000.01)).toBe(50_000_000_010_000_000n);
    expect(moneyFromNumber(999999999.99)).toBe(999_999_999_990_000_000n);
    expect(moneyFromNumber(123456.789012345)).toBe(123_456_789_012_345n);
    expect(moneyFromNumber(-50000000.01)).toBe(-50_000_000_010_000_000n);
  });

  it('moneyFromNumber rounds more than 9 fraction digits UP to a nano-unit (the one rounding rule)', () => {
    // 0.1 + 0.2 is sent as 0.30000000000000004: a hair above 0.3, so one nano above it.
    expect(moneyFromNumber(0.1 + 0.2)).toBe(300_000_001n);
    expect(moneyFromNumber(0.0000000001)).toBe(1n);
    expect(moneyFromNumber(1.1234567891)).toBe(1_123_456_790n);
    expect(moneyFromNumber(5e-324)).toBe(1n);
    // Toward +infinity, as ceilDiv: a negative amount rounds toward zero.
    expect(moneyFromNumber(-1.1234567891)).toBe(-1_123_456_789n);
    expect(moneyFromNumber(-1e-10)).toBe(0n);
  });

  it('moneyFromNumber reads exponent notation', () => {
    expect(moneyFromNumber(1e-7)).toBe(100n);
    expect(moneyFromNumber(1e-9)).toBe(1n);
    expect(moneyFromNumber(-1.5e-7)).toBe(-150n);
    expect(moneyFromNumber(1.5e21)).toBe(1_500_000_000_000_000_000_000n * 1_000_000_000n);
    expect(moneyFromNumber(1e21)).toBe(10n ** 30n);
  });

  it('exactMoneyFromNumber refuses more than 9 fraction digits', () => {
    expect(exactMoneyFromNumber(12.34)).toBe(12_340_000_000n);
    expect(exactMoneyFromNumber(1e-9)).toBe(1n);
    expect(() => exactMoneyFromNumber(0.0000000001)).toThrow(MoneyFormatError);
    expect(() => exactMoneyFromNumber(1.1234567891)).toThrow(MoneyFormatError);
    expect(() => exactMoneyFromNumber(5e-324)).toThrow(/"5e-324": more than 9 fraction digits/);
    expect(() => exactMoneyFromNumber(0.1 + 0.2)).toThrow(MoneyFormatError);
    expect(() => exactMoneyFromNumber(Number.NaN)).toThrow(MoneyFormatError);
  });

  it('exactMoneyFromNumber is exact for large amounts with cents', () => {
    expect(exactMoneyFromNumber(999999999.99)).toBe(999_999_999_990_000_000n);
    expect(exactMoneyFromNumber(50000000.01)).toBe(50_000_000_010_000_000n);
    expect(exactMoneyFromNumber(1.5e21)).toBe(1_500_000_000_000_000_000_000n * 1_000_000_000n);
  });

  it('decimalTextOf spells out exponent notation', () => {
    expect(decimalTextOf(1e-7)).toBe('0.0000001');
    expect(decimalTextOf(-1.5e-7)).toBe('-0.00000015');
    expect(decimalTextOf(1.5e21)).toBe('1500000000000000000000');
    expect(decimalTextOf(1.2345e22)).toBe('12345000000000000000000');
    expect(decimalTextOf(-0)).toBe('0');
    expect(decimalTextOf(12.5)).toBe('12.5');
  });

  // A decimal with at most 9 fraction digits and a magnitude up to 1e9, limited to the 15
  // significant digits a double carries exactly (DBL_DIG): an 18-digit amount such as
  // 999999999.999999999 has no double of its own, so JSON.parse has lost it before money sees it.
  const sentDecimal = fc
    .integer({ min: 0, max: 9 })
    .chain((scale) =>
      fc.tuple(
        fc.constant(scale),
        fc.bigInt({ min: 0n, max: [10n ** 15n - 1n, 10n ** BigInt(9 + scale)].reduce((a, b) => (a < b ? a : b)) }),
        fc.boolean(),
      ),
    )
    .map(([scale, digits, negative]) => (negative && digits > 0n ? '-' : '') + formatScaled(digits, scale));

  it('property: a JSON number converts to what the decimal-string parser makes of its text', () => {
    fc.assert(
      fc.property(sentDecimal, (text) => {
        const n = JSON.parse(text) as number;
        return moneyFromNumber(n) === parseMoney(text) && exactMoneyFromNumber(n) === parseMoney(text);
      }),
      { numRuns: 2_000 },
    );
  });

  const anyDouble = fc.double({ min: -1e9, max: 1e9, noNaN: true });

  it('property: decimalTextOf reads back as the same number', () => {
    fc.assert(fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (n) => Number(decimalTextOf(n)) === n));
  });

  it('property: any double rounds up to the nearest nano at or above its text; exact agrees or refuses', () => {
    fc.assert(
      fc.property(anyDouble, (n) => {
        const text = decimalTextOf(n);
        const frac = text.includes('.') ? text.length - text.indexOf('.') - 1 : 0;
        const scale = frac > 9 ? frac : 9;
        const written = parseScaled(text, scale); // the text exactly, at 10^-scale
        const v = moneyFromNumber(n);
        const up = 10n ** BigInt(scale - 9);
        const exact = (() => {
          try {
            return exactMoneyFromNumber(n);
          } catch (e) {
            if (e instanceof MoneyFormatError) return null;
            throw e;
          }
        })();
        return v * up >= written && (v - 1n) * up < written && (exact === null ? frac > 9 : exact === v && frac <= 9);
      }),
    );
  });

  it('moneyToNumber rounds half up to the requested digits', () => {
    expect(moneyToNumber(12_345_675_000n, 5)).toBe(12.34568);
    expect(moneyToNumber(12_345_674_999n, 5)).toBe(12.34567);
    expect(moneyToNumber(-1_500_000n, 2)).toBe(0);
    expect(moneyToNumber(-5_000_000n, 2)).toBe(-0.01);
    expect(moneyToNumber(37_660_000_000n, 2)).toBe(37.66);
  });
});

describe('ceilDiv (the one rounding rule)', () => {
  it('rounds up to the next integer and is exact on multiples', () => {
    expect(ceilDiv(10n, 5n)).toBe(2n);
    expect(ceilDiv(11n, 5n)).toBe(3n);
    expect(ceilDiv(1n, 1_000_000n)).toBe(1n);
    expect(ceilDiv(0n, 7n)).toBe(0n);
    expect(ceilDiv(-11n, 5n)).toBe(-2n);
    expect(() => ceilDiv(1n, 0n)).toThrow(RangeError);
  });

  it('is the smallest q with q·b ≥ a', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 24n }), fc.bigInt({ min: 1n, max: 10n ** 12n }), (a, b) => {
        const q = ceilDiv(a, b);
        return q * b >= a && (q - 1n) * b < a;
      }),
    );
  });
});

describe('costOf', () => {
  it('prices tokens per million and rounds up once', () => {
    // 1 token at $2.50 / Mtok = 2_500 nano exactly; 1 token at $0.0000015/Mtok = 0.0015 nano → 1 nano
    expect(costOf([{ tokens: 1n, pricePerMTok: parseMoney('2.5') }])).toBe(2_500n);
    expect(costOf([{ tokens: 1n, pricePerMTok: 1_500n }])).toBe(1n);
    expect(costOf([{ tokens: 1_000_000n, pricePerMTok: parseMoney('10') }])).toBe(10_000_000_000n);
    expect(costOf([])).toBe(0n);
  });

  it('applies the multiplier before the single rounding', () => {
    // 3 tokens × 1_000 nano/Mtok = 0.003 nano; ×1.25 = 0.00375 → 1 nano (not 1×1.25 rounded again)
    expect(costOf([{ tokens: 3n, pricePerMTok: 1_000n }], 1_250_000n)).toBe(1n);
    expect(costOf([{ tokens: 1_000_000n, pricePerMTok: parseMoney('2') }], parseMultiplier('0.9'))).toBe(
      1_800_000_000n,
    );
  });

  it('refuses negative token counts', () => {
    expect(() => costOf([{ tokens: -1n, pricePerMTok: 1n }])).toThrow(RangeError);
  });

  const part = fc.record({
    tokens: fc.bigInt({ min: 0n, max: 10n ** 9n }),
    pricePerMTok: fc.bigInt({ min: 0n, max: 10n ** 12n }),
  });

  it('does not depend on how parts are grouped or ordered', () => {
    fc.assert(
      fc.property(fc.array(part, { maxLength: 8 }), fc.integer({ min: 0, max: 8 }), (parts, cut) => {
        const whole = costOf(parts);
        const reversed = costOf([...parts].reverse());
        // Splitting a part's tokens in two must not change the cost either.
        const split: PricedTokens[] = parts.flatMap((p, i) =>
          i === cut % Math.max(parts.length, 1)
            ? [
                { ...p, tokens: p.tokens / 2n },
                { ...p, tokens: p.tokens - p.tokens / 2n },
              ]
            : [p],
        );
        return whole === reversed && whole === costOf(split);
      }),
    );
  });

  it('never undercharges and overcharges by less than one nano', () => {
    fc.assert(
      fc.property(fc.array(part, { maxLength: 6 }), fc.bigInt({ min: 1n, max: 5_000_000n }), (parts, mult) => {
        const exactNumerator = parts.reduce((a, p) => a + p.tokens * p.pricePerMTok, 0n) * mult;
        const denominator = 1_000_000n * PPM;
        const c = costOf(parts, mult);
        return c * denominator >= exactNumerator && (c - 1n) * denominator < exactNumerator;
      }),
    );
  });
});

describe('multipliers', () => {
  it('parses and formats parts-per-million', () => {
    expect(parseMultiplier('1.25')).toBe(1_250_000n);
    expect(parseMultiplier('0.9')).toBe(900_000n);
    expect(formatMultiplier(1_000_000n)).toBe('1.0');
    expect(formatMultiplier(1_250_000n)).toBe('1.25');
    expect(() => parseMultiplier('0')).toThrow(MoneyFormatError);
    expect(() => parseMultiplier('1.0000001')).toThrow(MoneyFormatError);
  });
});
