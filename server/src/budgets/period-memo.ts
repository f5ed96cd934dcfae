// A memo of calendar period starts (pure): a metering batch asks for the period of thousands of
// spends that almost all fall in the same day / week / month, so the last answer per period kind
// is kept with the range it is valid for, and a Date is built only when an instant leaves it.
import type { BudgetPeriod } from '../identity/ports.js';
import { calendarPeriodStart, nextCalendarPeriodStart, UTC } from './period.js';

export class PeriodMemo {
  /** `${timeZone} ${period}` → the last period answered. */
  private readonly last = new Map<string, { from: number; to: number }>();

  /** Same as calendarPeriodStart(period, at, timeZone). */
  start(period: BudgetPeriod, at: number, timeZone: string = UTC): number {
    if (period === 'total') return 0;
    const k = `${timeZone} ${period}`;
    const hit = this.last.get(k);
    if (hit && at >= hit.from && at < hit.to) return hit.from;
    const from = calendarPeriodStart(period, at, timeZone);
    this.last.set(k, { from, to: nextCalendarPeriodStart(period, at, timeZone)! });
    return from;
  }

  /** Same as currentPeriodStart(period, resetAt, at, timeZone): a manual reset that already happened wins. */
  current(period: BudgetPeriod, resetAt: number, at: number, timeZone: string = UTC): number {
    const cal = this.start(period, at, timeZone);
    return resetAt > cal && resetAt <= at ? resetAt : cal;
  }
}
