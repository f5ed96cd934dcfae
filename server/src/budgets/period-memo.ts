// A memo of calendar period starts (pure): a metering batch asks for the period of thousands of
// spends that almost all fall in the same day / week / month, so the last answer per period kind
// is kept with the range it is valid for, and a Date is built only when an instant leaves it.
import type { BudgetPeriod } from '../identity/ports.js';
import { calendarPeriodStart, nextCalendarPeriodStart } from './period.js';

export class PeriodMemo {
  private readonly last = new Map<BudgetPeriod, { from: number; to: number }>();

  /** Same as calendarPeriodStart(period, at). */
  start(period: BudgetPeriod, at: number): number {
    if (period === 'total') return 0;
    const hit = this.last.get(period);
    if (hit && at >= hit.from && at < hit.to) return hit.from;
    const from = calendarPeriodStart(period, at);
    this.last.set(period, { from, to: nextCalendarPeriodStart(period, at)! });
    return from;
  }

  /** Same as currentPeriodStart(period, resetAt, at): a manual reset that already happened wins. */
  current(period: BudgetPeriod, resetAt: number, at: number): number {
    const cal = this.start(period, at);
    return resetAt > cal && resetAt <= at ? resetAt : cal;
  }
}
