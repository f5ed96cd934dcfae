// Budget periods (pure): where the current period of a budget starts and when the next one begins.
// Calendar periods are in UTC: a day starts 00:00 UTC, a week on Monday 00:00 UTC, a month on the
// 1st 00:00 UTC; `total` never resets. A manual reset (reset_at) starts a new period at that instant.
import type { BudgetPeriod } from '../identity/ports.js';

const DAY = 86_400_000;

export const BUDGET_PERIODS: readonly BudgetPeriod[] = ['daily', 'weekly', 'monthly', 'total'];

/** Start (epoch ms) of the calendar period containing `nowMs`; 0 for `total`. */
export function calendarPeriodStart(period: BudgetPeriod, nowMs: number): number {
  const d = new Date(nowMs);
  switch (period) {
    case 'daily':
      return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
    case 'weekly': {
      const dayStart = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
      const sinceMonday = (d.getUTCDay() + 6) % 7; // getUTCDay: 0 = Sunday
      return dayStart - sinceMonday * DAY;
    }
    case 'monthly':
      return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
    case 'total':
      return 0;
  }
}

/** Start of the calendar period after the one containing `nowMs`; null for `total`. */
export function nextCalendarPeriodStart(period: BudgetPeriod, nowMs: number): number | null {
  const start = calendarPeriodStart(period, nowMs);
  const d = new Date(start);
  switch (period) {
    case 'daily':
      return start + DAY;
    case 'weekly':
      return start + 7 * DAY;
    case 'monthly':
      return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
    case 'total':
      return null;
  }
}

/**
 * The period a budget is in now: the later of the calendar start and a manual reset that already
 * happened. The counter row of a budget is keyed by this value, so a reset or a new month simply
 * starts a fresh counter (old rows stay as history).
 */
export function currentPeriodStart(period: BudgetPeriod, resetAt: number, nowMs: number): number {
  const cal = calendarPeriodStart(period, nowMs);
  return resetAt > cal && resetAt <= nowMs ? resetAt : cal;
}

/** When the budget next resets by itself (seed 002 `budget_reset_date`); null for `total`. */
export function nextResetAt(period: BudgetPeriod, nowMs: number): number | null {
  return nextCalendarPeriodStart(period, nowMs);
}
