import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BUDGET_PERIODS, calendarPeriodStart, currentPeriodStart } from './period.js';
import { PeriodMemo } from './period-memo.js';

describe('PeriodMemo', () => {
  it('answers exactly like calendarPeriodStart/currentPeriodStart for any sequence of instants', () => {
    const instant = fc.integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2030, 0, 1) });
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom(...BUDGET_PERIODS), instant, fc.option(instant, { nil: 0 })), {
          minLength: 1,
          maxLength: 200,
        }),
        (asks) => {
          const memo = new PeriodMemo();
          for (const [period, at, resetAt] of asks) {
            expect(memo.start(period, at)).toBe(calendarPeriodStart(period, at));
            expect(memo.current(period, resetAt, at)).toBe(currentPeriodStart(period, resetAt, at));
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('stays right across period boundaries (last millisecond of a month, then the first)', () => {
    const memo = new PeriodMemo();
    const feb = Date.UTC(2026, 1, 1);
    expect(memo.start('monthly', feb - 1)).toBe(Date.UTC(2026, 0, 1));
    expect(memo.start('monthly', feb)).toBe(feb);
    expect(memo.start('monthly', feb - 1)).toBe(Date.UTC(2026, 0, 1));
    expect(memo.start('weekly', Date.UTC(2026, 0, 5))).toBe(Date.UTC(2026, 0, 5)); // a Monday
    expect(memo.start('weekly', Date.UTC(2026, 0, 5) - 1)).toBe(Date.UTC(2025, 11, 29));
  });
});
