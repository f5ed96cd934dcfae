import { describe, expect, it } from 'vitest';
import { calendarPeriodStart, currentPeriodStart, nextCalendarPeriodStart } from './period.js';

const at = (iso: string) => Date.parse(iso);

describe('budget periods (UTC)', () => {
  it('daily starts at 00:00 UTC', () => {
    expect(calendarPeriodStart('daily', at('2026-03-10T23:59:59.999Z'))).toBe(at('2026-03-10T00:00:00Z'));
    expect(nextCalendarPeriodStart('daily', at('2026-03-10T05:00:00Z'))).toBe(at('2026-03-11T00:00:00Z'));
  });

  it('weekly starts on Monday 00:00 UTC', () => {
    // 2026-03-15 is a Sunday: still the week that began Monday 2026-03-09.
    expect(calendarPeriodStart('weekly', at('2026-03-15T22:00:00Z'))).toBe(at('2026-03-09T00:00:00Z'));
    expect(calendarPeriodStart('weekly', at('2026-03-16T00:00:00Z'))).toBe(at('2026-03-16T00:00:00Z'));
    expect(nextCalendarPeriodStart('weekly', at('2026-03-11T10:00:00Z'))).toBe(at('2026-03-16T00:00:00Z'));
  });

  it('monthly starts on the 1st 00:00 UTC, across year ends and leap years', () => {
    expect(calendarPeriodStart('monthly', at('2026-02-28T12:00:00Z'))).toBe(at('2026-02-01T00:00:00Z'));
    expect(nextCalendarPeriodStart('monthly', at('2026-12-31T23:00:00Z'))).toBe(at('2027-01-01T00:00:00Z'));
    expect(nextCalendarPeriodStart('monthly', at('2028-02-29T00:00:00Z'))).toBe(at('2028-03-01T00:00:00Z'));
  });

  it('total never resets', () => {
    expect(calendarPeriodStart('total', at('2026-03-10T00:00:00Z'))).toBe(0);
    expect(nextCalendarPeriodStart('total', at('2026-03-10T00:00:00Z'))).toBeNull();
  });

  it('a manual reset starts a new period until the next calendar boundary', () => {
    const reset = at('2026-03-10T08:00:00Z');
    expect(currentPeriodStart('monthly', reset, at('2026-03-20T00:00:00Z'))).toBe(reset);
    expect(currentPeriodStart('monthly', reset, at('2026-04-02T00:00:00Z'))).toBe(at('2026-04-01T00:00:00Z'));
    // A reset in the future (clock skew) is ignored until it happens.
    expect(currentPeriodStart('monthly', reset, at('2026-03-09T00:00:00Z'))).toBe(at('2026-03-01T00:00:00Z'));
    expect(currentPeriodStart('total', reset, at('2026-05-01T00:00:00Z'))).toBe(reset);
  });
});
