// Money: the one module that owns amounts. Every amount in Tollgate is a `bigint` count of
// nano-units of the deployment currency (1 unit = 1e9 nano). No float ever touches money.
//
// The single rounding rule: a computed cost rounds UP to the next nano-unit (`ceilDiv`), once,
// at the end of a calculation. Nothing else in the code base rounds money.

export type Nano = bigint;

export const NANO_PER_UNIT = 1_000_000_000n;
/** Prices are quoted per million tokens. */
export const TOKENS_PER_PRICE_UNIT = 1_000_000n;
/** Multipliers (tenant markup/discount) are held as parts-per-million: 1.25 → 1_250_000n. */
export const PPM = 1_000_000n;

const DECIMAL = /^(-)?(\d+)(?:\.(\d+))?$/;

/**
 * The largest amount one API field may carry: 10^9 units (10^18 nano). Amounts are stored in
 * 64-bit integer columns (max ≈ 9.2 × 10^18 nano): a larger one fails in the database as a 500,
 * and this cap leaves headroom for sums (a balance plus a credit limit, a few top-ups).
 */
export const MAX_AMOUNT: Nano = 1_000_000_000n * NANO_PER_UNIT;
/** A non-negative decimal string within MAX_AMOUNT: at most 9 whole and 9 fraction digits. */
export const DECIMAL_AMOUNT = /^\d{1,9}(\.\d{1,9})?$/;

export class MoneyFormatError extends Error {
  constructor(
    readonly input: string,
    reason: string,
  ) {
    super(`invalid decimal amount ${JSON.stringify(input)}: ${reason}`);
  }
}

/** Parse a decimal string with up to `scaleDigits` fraction digits into an integer at that scale. */
export function parseScaled(input: string, scaleDigits: number): bigint {
  const m = DECIMAL.exec(input.trim());
  if (!m) throw new MoneyFormatError(input, 'not a decimal number');
  const [, sign, whole, frac = ''] = m;
  if (frac.length > scaleDigits) {
    throw new MoneyFormatError(input, `more than ${scaleDigits} fraction digits`);
  }
  const v = BigInt(whole! + frac.padEnd(scaleDigits, '0'));
  return sign ? -v : v;
}

/** "12.34" → 12_340_000_000n. Rejects more than 9 fraction digits (never rounds silently). */
export function parseMoney(input: string): Nano {
  return parseScaled(input, 9);
}

/**
 * The decimal a JSON sender wrote for `n`: the shortest text that reads back as the same double
 * (what `String` and `JSON.stringify` print), with exponent notation spelled out ("1e-7" →
 * "0.0000001"). Not `toFixed(9)`: that prints the binary double (50000000.01 → "50000000.009999998").
 */
export function decimalTextOf(n: number): string {
  if (!Number.isFinite(n)) throw new MoneyFormatError(String(n), 'not finite');
  const s = String(n);
  const m = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(s);
  if (!m) return s;
  const [, sign, lead, rest = '', exp] = m;
  const digits = lead! + rest;
  const point = 1 + Number(exp); // where the decimal point goes, counted from the first digit
  if (point <= 0) return `${sign}0.${'0'.repeat(-point)}${digits}`;
  if (point >= digits.length) return sign + digits + '0'.repeat(point - digits.length);
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}

function fractionDigits(decimal: string): number {
  const dot = decimal.indexOf('.');
  return dot < 0 ? 0 : decimal.length - dot - 1;
}

/**
 * A JSON number from a seed contract (e.g. seed 003 `cost_total: 0.05`) → nano, exactly as the
 * sender wrote it. A cost written with more than 9 fraction digits (`0.1 + 0.2` sends
 * 0.30000000000000004) rounds up to the next nano-unit by the module's one rule (`ceilDiv`).
 */
export function moneyFromNumber(n: number): Nano {
  const text = decimalTextOf(n);
  const frac = fractionDigits(text);
  if (frac <= 9) return parseMoney(text);
  return ceilDiv(parseScaled(text, frac), 10n ** BigInt(frac - 9));
}

/** 12_340_000_000n → "12.34" (trailing zeros trimmed, at least `minFraction` digits). */
export function formatMoney(v: Nano, minFraction = 2): string {
  return formatScaled(v, 9, minFraction);
}

export function formatScaled(v: bigint, scaleDigits: number, minFraction = 0): string {
  const neg = v < 0n;
  const abs = neg ? -v : v;
  const s = abs.toString().padStart(scaleDigits + 1, '0');
  const whole = s.slice(0, s.length - scaleDigits);
  let frac = s.slice(s.length - scaleDigits).replace(/0+$/, '');
  if (frac.length < minFraction) frac = frac.padEnd(minFraction, '0');
  return (neg ? '-' : '') + whole + (frac ? '.' + frac : '');
}

/** For seed contracts that show a JSON number: the amount rounded half-up to `digits` decimals. */
export function moneyToNumber(v: Nano, digits = 6): number {
  const unit = 10n ** BigInt(9 - digits);
  const neg = v < 0n;
  const abs = neg ? -v : v;
  const rounded = (abs + unit / 2n) / unit;
  // No "-0": an amount that rounds to zero is zero.
  return Number((neg && rounded !== 0n ? '-' : '') + formatScaled(rounded, digits));
}

/** Integer division rounding toward +infinity, for non-negative numerators and positive divisors. */
export function ceilDiv(a: bigint, b: bigint): bigint {
  if (b <= 0n) throw new RangeError('ceilDiv divisor must be positive');
  if (a <= 0n) return -(-a / b);
  return (a + b - 1n) / b;
}

/** Parse a multiplier like "1.25" or "0.9" into parts-per-million. */
export function parseMultiplier(input: string): bigint {
  const v = parseScaled(input, 6);
  if (v <= 0n) throw new MoneyFormatError(input, 'multiplier must be positive');
  return v;
}

export function formatMultiplier(ppm: bigint): string {
  return formatScaled(ppm, 6, 1);
}

/** One priced component of a call: a token count and its price in nano-units per million tokens. */
export interface PricedTokens {
  tokens: bigint;
  pricePerMTok: Nano;
}

/**
 * THE cost rule: sum(tokens × price per Mtok) × multiplier, divided once, rounded up to a nano-unit.
 * Dividing once (not per component) keeps the result exact and independent of grouping.
 */
export function costOf(parts: readonly PricedTokens[], multiplierPpm: bigint = PPM): Nano {
  let acc = 0n;
  for (const p of parts) {
    if (p.tokens < 0n) throw new RangeError('token count must be non-negative');
    acc += p.tokens * p.pricePerMTok;
  }
  return ceilDiv(acc * multiplierPpm, TOKENS_PER_PRICE_UNIT * PPM);
}

export function minNano(a: Nano, b: Nano): Nano {
  return a < b ? a : b;
}

export function maxNano(a: Nano, b: Nano): Nano {
  return a > b ? a : b;
}

/**
 * A JSON number that must denote an exact nano amount (an API input such as seed 001's
 * `{amount: 100.0}`): refuses more than 9 fraction digits instead of rounding them away.
 */
export function exactMoneyFromNumber(n: number): Nano {
  const text = decimalTextOf(n);
  if (fractionDigits(text) > 9) throw new MoneyFormatError(String(n), 'more than 9 fraction digits');
  return parseMoney(text);
}
