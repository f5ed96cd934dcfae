import { afterEach, describe, expect, it } from 'vitest';
import { isIsoDate, parseIsoInstant } from './iso-time.js';

describe('ISO dates and date-times', () => {
  it('takes real calendar dates only', () => {
    expect(isIsoDate('2024-02-29')).toBe(true);
    for (const v of ['2023-02-29', '2024-02-30', '2024-13-01', '2024-1-1', '-1', '20240101', 'yesterday'])
      expect(isIsoDate(v), v).toBe(false);
  });

  it('parses dates as UTC midnight and date-times with or without an offset', () => {
    expect(parseIsoInstant('2024-01-02')).toBe(Date.UTC(2024, 0, 2));
    expect(parseIsoInstant('2024-01-02T03:04:05Z')).toBe(Date.UTC(2024, 0, 2, 3, 4, 5));
    expect(parseIsoInstant('2024-01-02T03:04:05.5+02:00')).toBe(Date.UTC(2024, 0, 2, 1, 4, 5, 500));
  });

  it("refuses what Date.parse would bend into a date ('-1' is 2001, Feb 30 is March)", () => {
    for (const v of ['-1', '1', '2024-02-30', '2024-02-30T00:00:00Z', 'Tue, 02 Jan 2024', '', 'notadate'])
      expect(parseIsoInstant(v), v).toBeNull();
  });

  describe('in another server time zone', () => {
    const tz = process.env['TZ'];
    afterEach(() => {
      if (tz === undefined) delete process.env['TZ'];
      else process.env['TZ'] = tz;
    });

    it('reads a date-time without an offset as UTC, like a date', () => {
      process.env['TZ'] = 'America/New_York';
      expect(new Date(2024, 0, 1).getTimezoneOffset()).toBe(300); // the zone did change
      expect(parseIsoInstant('2024-01-01T00:00:00')).toBe(Date.UTC(2024, 0, 1));
      expect(parseIsoInstant('2024-01-01T10:30:00.250')).toBe(Date.UTC(2024, 0, 1, 10, 30, 0, 250));
      expect(parseIsoInstant('2024-01-01')).toBe(Date.UTC(2024, 0, 1));
      expect(parseIsoInstant('2023-12-31T19:00:00-05:00')).toBe(Date.UTC(2024, 0, 1));
    });
  });
});
