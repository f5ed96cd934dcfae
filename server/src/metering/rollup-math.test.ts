import { describe, expect, it } from 'vitest';
import { aggregateRollups, utcDay, utcMonth } from './rollup-math.js';
import type { PreparedEvent } from './prepared-event.js';
import { usageEvent } from '../../test/metering/support.js';

const prep = (over: Parameters<typeof usageEvent>[0], cost: bigint): PreparedEvent => ({
  event: usageEvent(over),
  cost,
  priceId: null,
  multiplierPpm: null,
  attribution: null,
  hash: 'h',
});

describe('rollup math', () => {
  it('formats UTC days and months, including before 1970 and at the last millisecond', () => {
    expect(utcDay(Date.UTC(2026, 0, 31, 23, 59, 59, 999))).toBe('2026-01-31');
    expect(utcDay(Date.UTC(2026, 1, 1))).toBe('2026-02-01');
    expect(utcMonth(Date.UTC(2026, 11, 31, 23, 59))).toBe('2026-12');
    expect(utcDay(-1)).toBe('1969-12-31');
  });

  it('folds a batch into one delta per key, with empty strings for missing key parts', () => {
    const t = Date.UTC(2026, 0, 31, 23, 0);
    const d = aggregateRollups([
      prep(
        { startedAt: t, endedAt: t + 3_600_000, userId: null, agent: null, promptTokens: 10, completionTokens: 5 },
        7n,
      ),
      prep(
        {
          startedAt: t + 1,
          endedAt: t + 2,
          userId: null,
          agent: null,
          promptTokens: 1,
          completionTokens: 2,
          cachedTokens: 1,
        },
        3n,
      ),
      prep(
        {
          startedAt: t + 3_600_000,
          endedAt: t + 3_600_001,
          userId: null,
          agent: null,
          promptTokens: 1,
          completionTokens: 1,
        },
        1n,
      ),
    ]);
    expect(
      d.daily.map((x) => [x.period, x.userId, x.agent, x.requests, x.totalTokens, x.cachedTokens, x.cost]),
    ).toEqual([
      ['2026-01-31', '', '', 2n, 18n, 1n, 10n],
      ['2026-02-01', '', '', 1n, 2n, 0n, 1n],
    ]);
    expect(d.monthly.map((x) => [x.period, x.requests, x.cost])).toEqual([
      ['2026-01', 2n, 10n],
      ['2026-02', 1n, 1n],
    ]);
  });
});
