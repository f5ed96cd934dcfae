// Budget periods (pure): where the current period of a budget starts and when the next one begins.
// Calendar periods follow the tenant's time zone (tenant settings `timezone`, an IANA name; UTC
// when unset): a day starts at local midnight, a week on Monday 00:00 local, a month on the 1st
// 00:00 local — across daylight-saving changes a day is 23 or 25 hours long. `total` never resets.
// A manual reset (reset_at) starts a new period at that instant.
import type { BudgetPeriod } from '../identity/ports.js';

const DAY = 86_400_000;

export const BUDGET_PERIODS: readonly BudgetPeriod[] = ['daily', 'weekly', 'monthly', 'total'];

export const UTC = 'UTC';

/** Answers of isTimeZone (the gateway asks per call): there are only a few hundred zone names. */
const known = new Map<string, boolean>();

/** Whether `tz` is an IANA time zone name this runtime knows (e.g. "Europe/Paris"). */
export function isTimeZone(tz: string): boolean {
  if (tz.length === 0 || tz.length > 64) return false;
  let ok = known.get(tz);
  if (ok === undefined) {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: tz });
      ok = true;
    } catch {
      ok = false;
    }
    if (known.size < 2000) known.set(tz, ok);
  }
  return ok;
}

/** A tenant's budget time zone from its settings: `settings.timezone` when valid, else UTC. */
export function tenantTimeZone(settings: Record<string, unknown> | null | undefined): string {
  const tz = settings?.['timezone'];
  return typeof tz === 'string' && tz !== UTC && isTimeZone(tz) ? tz : UTC;
}

/** A calendar date (month 1–12) as wall-clock fields. */
interface LocalDate {
  y: number;
  m: number;
  d: number;
}

const formats = new Map<string, Intl.DateTimeFormat>();

function formatFor(tz: string): Intl.DateTimeFormat {
  let f = formats.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
    });
    formats.set(tz, f);
  }
  return f;
}

/** The calendar date at instant `ms` in `tz`. */
function localDate(tz: string, ms: number): LocalDate {
  if (tz === UTC) {
    const d = new Date(ms);
    return { y: d.getUTCFullYear(), m: d.getUTCMonth() + 1, d: d.getUTCDate() };
  }
  let y = 0;
  let m = 0;
  let d = 0;
  for (const p of formatFor(tz).formatToParts(ms)) {
    if (p.type === 'year') y = Number(p.value);
    else if (p.type === 'month') m = Number(p.value);
    else if (p.type === 'day') d = Number(p.value);
  }
  return { y, m, d };
}

/** Comparable day number of a calendar date (days since 1970-01-01 of the proleptic calendar). */
const dayNumber = (x: LocalDate): number => Math.floor(Date.UTC(x.y, x.m - 1, x.d) / DAY);

/**
 * The first instant of calendar day `day` (a dayNumber) in `tz`. Zone offsets are within ±18 h, so
 * the instant lies within that much of the day's UTC midnight; the local date only moves forward
 * with time, so a binary search over that window finds where it turns into `day` (this also
 * handles a midnight skipped by a daylight-saving jump: the day then starts at 01:00).
 */
function startOfLocalDay(tz: string, day: number): number {
  const utcMidnight = day * DAY;
  if (tz === UTC) return utcMidnight;
  // In whole seconds: zone offsets are whole seconds, so the boundary is one.
  let lo = (utcMidnight - 18 * 3_600_000) / 1000; // local date < day here
  let hi = (utcMidnight + 18 * 3_600_000) / 1000; // local date ≥ day here
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (dayNumber(localDate(tz, mid * 1000)) >= day) hi = mid;
    else lo = mid;
  }
  return hi * 1000;
}

/** The dayNumber the period containing local date `x` starts on; null for `total`. */
function periodStartDay(period: BudgetPeriod, x: LocalDate): number | null {
  switch (period) {
    case 'daily':
      return dayNumber(x);
    case 'weekly': {
      const day = dayNumber(x);
      // 1970-01-01 was a Thursday: (day + 3) % 7 is 0 on Mondays.
      return day - ((((day + 3) % 7) + 7) % 7);
    }
    case 'monthly':
      return dayNumber({ y: x.y, m: x.m, d: 1 });
    case 'total':
      return null;
  }
}

/** The dayNumber the next period starts on, given the day the current one started on. */
function nextStartDay(period: BudgetPeriod, startDay: number): number {
  switch (period) {
    case 'daily':
      return startDay + 1;
    case 'weekly':
      return startDay + 7;
    default: {
      const s = new Date(startDay * DAY);
      return Math.floor(Date.UTC(s.getUTCFullYear(), s.getUTCMonth() + 1, 1) / DAY);
    }
  }
}

/** Start (epoch ms) of the calendar period containing `nowMs` in `tz`; 0 for `total`. */
export function calendarPeriodStart(period: BudgetPeriod, nowMs: number, tz: string = UTC): number {
  const day = periodStartDay(period, localDate(tz, nowMs));
  if (day === null) return 0;
  const start = startOfLocalDay(tz, day);
  // Before the first instant of the local day (a jump back in time around it): the previous one.
  return start <= nowMs ? start : calendarPeriodStart(period, start - 1, tz);
}

/** Start of the calendar period after the one containing `nowMs` in `tz`; null for `total`. */
export function nextCalendarPeriodStart(period: BudgetPeriod, nowMs: number, tz: string = UTC): number | null {
  const day = periodStartDay(period, localDate(tz, nowMs));
  if (day === null) return null;
  return startOfLocalDay(tz, nextStartDay(period, day));
}

/**
 * The period a budget is in now: the later of the calendar start and a manual reset that already
 * happened. The counter row of a budget is keyed by this value, so a reset or a new month simply
 * starts a fresh counter (old rows stay as history).
 */
export function currentPeriodStart(period: BudgetPeriod, resetAt: number, nowMs: number, tz: string = UTC): number {
  const cal = calendarPeriodStart(period, nowMs, tz);
  return resetAt > cal && resetAt <= nowMs ? resetAt : cal;
}

/** When the budget next resets by itself (seed 002 `budget_reset_date`); null for `total`. */
export function nextResetAt(period: BudgetPeriod, nowMs: number, tz: string = UTC): number | null {
  return nextCalendarPeriodStart(period, nowMs, tz);
}
