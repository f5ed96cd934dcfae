import { describe, expect, it } from 'vitest';
import {
  calendarPeriodStart,
  currentPeriodStart,
  isTimeZone,
  nextCalendarPeriodStart,
  tenantTimeZone,
} from './period.js';

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

describe('budget periods in a tenant time zone', () => {
  it('daily starts at local midnight (Tokyo, UTC+9: the day begins at 15:00 UTC the day before)', () => {
    expect(calendarPeriodStart('daily', at('2026-03-10T14:59:59Z'), 'Asia/Tokyo')).toBe(at('2026-03-09T15:00:00Z'));
    expect(calendarPeriodStart('daily', at('2026-03-10T15:00:00Z'), 'Asia/Tokyo')).toBe(at('2026-03-10T15:00:00Z'));
    expect(nextCalendarPeriodStart('daily', at('2026-03-10T15:00:00Z'), 'Asia/Tokyo')).toBe(at('2026-03-11T15:00:00Z'));
  });

  it('half-hour offsets (Kolkata, UTC+5:30)', () => {
    expect(calendarPeriodStart('monthly', at('2026-03-31T18:30:00Z'), 'Asia/Kolkata')).toBe(at('2026-03-31T18:30:00Z'));
    expect(calendarPeriodStart('monthly', at('2026-03-31T18:29:59Z'), 'Asia/Kolkata')).toBe(at('2026-02-28T18:30:00Z'));
  });

  it('across daylight-saving changes a day is 23 or 25 hours (New York)', () => {
    // 2026-03-08: clocks go 02:00 → 03:00 (EST −5 → EDT −4).
    const mar8 = calendarPeriodStart('daily', at('2026-03-08T12:00:00Z'), 'America/New_York');
    expect(mar8).toBe(at('2026-03-08T05:00:00Z'));
    expect(nextCalendarPeriodStart('daily', mar8, 'America/New_York')! - mar8).toBe(23 * 3_600_000);
    // 2026-11-01: clocks go 02:00 → 01:00 (EDT → EST).
    const nov1 = calendarPeriodStart('daily', at('2026-11-01T12:00:00Z'), 'America/New_York');
    expect(nov1).toBe(at('2026-11-01T04:00:00Z'));
    expect(nextCalendarPeriodStart('daily', nov1, 'America/New_York')! - nov1).toBe(25 * 3_600_000);
  });

  it('weekly starts on Monday 00:00 local; monthly on the 1st 00:00 local, across the year end', () => {
    // Sunday 2026-03-15 23:30 in Paris (UTC+1) is still the week of Monday 2026-03-09.
    expect(calendarPeriodStart('weekly', at('2026-03-15T22:30:00Z'), 'Europe/Paris')).toBe(at('2026-03-08T23:00:00Z'));
    expect(calendarPeriodStart('weekly', at('2026-03-15T23:00:00Z'), 'Europe/Paris')).toBe(at('2026-03-15T23:00:00Z'));
    expect(nextCalendarPeriodStart('monthly', at('2026-12-31T12:00:00Z'), 'America/Los_Angeles')).toBe(
      at('2027-01-01T08:00:00Z'),
    );
  });

  it('a midnight skipped by a daylight-saving jump starts the day at the jump (Havana: 00:00 → 01:00)', () => {
    // Cuba springs forward at midnight: 2026-03-08 00:00 CST does not exist, the day starts at 01:00 CDT = 05:00Z.
    expect(calendarPeriodStart('daily', at('2026-03-08T12:00:00Z'), 'America/Havana')).toBe(at('2026-03-08T05:00:00Z'));
    expect(calendarPeriodStart('daily', at('2026-03-08T04:59:59Z'), 'America/Havana')).toBe(at('2026-03-07T05:00:00Z'));
  });

  it('a manual reset still wins inside the local period; UTC is the default', () => {
    const reset = at('2026-03-10T08:00:00Z');
    expect(currentPeriodStart('daily', reset, at('2026-03-10T09:00:00Z'), 'Asia/Tokyo')).toBe(reset);
    expect(currentPeriodStart('daily', reset, at('2026-03-10T16:00:00Z'), 'Asia/Tokyo')).toBe(
      at('2026-03-10T15:00:00Z'),
    );
    expect(calendarPeriodStart('daily', at('2026-03-10T14:00:00Z'), 'UTC')).toBe(at('2026-03-10T00:00:00Z'));
  });

  it('reads the zone from tenant settings, and only a valid IANA name', () => {
    expect(tenantTimeZone({ timezone: 'Europe/Berlin' })).toBe('Europe/Berlin');
    expect(tenantTimeZone({ timezone: 'Mars/Olympus' })).toBe('UTC');
    expect(tenantTimeZone({ timezone: 7 })).toBe('UTC');
    expect(tenantTimeZone({})).toBe('UTC');
    expect(isTimeZone('America/Argentina/Buenos_Aires')).toBe(true);
    expect(isTimeZone('')).toBe(false);
  });
});
