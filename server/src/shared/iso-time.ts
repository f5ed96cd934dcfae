// Strict ISO 8601 dates and date-times for query parameters. Date.parse alone accepts '-1' (as
// 2001-01-01) and rolls '2024-02-30' over into March, so shape and calendar are checked first.
import { z } from 'zod';

const DATE = z.iso.date();
const DATE_TIME = z.iso.datetime({ offset: true, local: true });
/** The last instant a JS Date can hold (±8.64e15 ms). */
export const MAX_EPOCH_MS = 8.64e15;

export const isIsoDate = (value: string): boolean => DATE.safeParse(value).success;

/** A date-time that names its offset (`Z`, `+02:00`, `-0500`). */
const HAS_OFFSET = /(?:z|[+-]\d{2}(?::?\d{2})?)$/i;

/**
 * Epoch ms of a real calendar date `YYYY-MM-DD` (its UTC midnight) or an ISO date-time; else null.
 * A date-time without an offset is UTC, like a date: Date.parse would read it in the server's time
 * zone, so the same filter would select other rows on a host with TZ set.
 */
export function parseIsoInstant(value: string): number | null {
  if (isIsoDate(value)) return Date.parse(`${value}T00:00:00Z`);
  if (!DATE_TIME.safeParse(value).success) return null;
  const ms = Date.parse(HAS_OFFSET.test(value) ? value : `${value}Z`);
  return Number.isFinite(ms) ? ms : null;
}

const DAY_MS = 86_400_000;

/** parseIsoInstant as a range bound: as an upper bound (`endOfDay`) a date includes its whole UTC day. */
export function parseIsoBound(value: string, endOfDay: boolean): number | null {
  const ms = parseIsoInstant(value);
  return ms !== null && endOfDay && isIsoDate(value) ? ms + DAY_MS : ms;
}

/**
 * A query parameter naming an instant: epoch milliseconds, a date or an ISO date-time, as epoch ms.
 * As an upper bound (`endOfDay`), a date-only value includes its whole UTC day.
 */
export const instantParam = (endOfDay: boolean) =>
  z
    .string()
    .trim()
    .min(1)
    .transform((v, ctx) => {
      const ms = /^\d+$/.test(v) ? Number(v) : parseIsoBound(v, endOfDay);
      if (ms === null || ms > MAX_EPOCH_MS) {
        ctx.addIssue({ code: 'custom', message: 'expected epoch milliseconds or an ISO date' });
        return z.NEVER;
      }
      return ms;
    });
