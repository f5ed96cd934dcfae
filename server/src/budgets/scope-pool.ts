// One scope's budget as this process holds it: its leases, and the single-flight acquisition of
// new slices (200 concurrent callers wait for ONE slice take, then are served from memory). The
// next slice is taken in the background once the newest one is three quarters used (prefetch), so
// a steady stream of calls never waits for the database when a slice runs out.
// When the shared counter runs low the pool switches to exact-size takes (one lease per
// reservation) and gives its own parked free room back before refusing, so a budget that fits N
// calls admits exactly N, also with several processes.
import type { BudgetStore, CounterRef } from './budget-store.js';
import { LocalLease } from './local-lease.js';
import { fitsSlice, MIN_SLICE_UNITS, nextSliceUnits, sliceAmount, sliceThreshold } from './slice-policy.js';

export interface PoolContext {
  store: BudgetStore;
  holder: string;
  ttlMs: number;
  now: () => number;
  /** A lease is not used for new holds this close to its expiry (renewal lag). */
  marginMs: number;
  /** Run DB work in the background, tracked for close()/drain(). */
  track: (p: Promise<unknown>) => void;
  /** Wait for background returns (a just-released exact lease) before refusing. */
  drain: () => Promise<void>;
}

/** After a slice take failed, go straight to exact takes for this long. */
const TIGHT_MS = 2_000;
const INITIAL_UNITS = 16;

export class ScopePool {
  readonly leases: LocalLease[] = [];
  private inflight: Promise<boolean> | null = null;
  units = INITIAL_UNITS;
  private tightUntil = 0;

  constructor(
    readonly scopeKey: string,
    private readonly ctx: PoolContext,
  ) {}

  /** Serve a hold from a lease already held (no I/O). */
  holdLocal(amount: bigint, periodStart: number, now: number): LocalLease | null {
    for (const l of this.leases) {
      if (l.row.periodStart === periodStart && l.usable(now, this.ctx.marginMs) && l.tryHold(amount, now)) return l;
    }
    return null;
  }

  /** A hold of `amount` on some lease of this scope, or null when the budget cannot cover it. */
  async hold(counter: CounterRef, amount: bigint): Promise<LocalLease | null> {
    const local = this.holdLocal(amount, counter.periodStart, this.ctx.now());
    if (local) return local;
    if (!fitsSlice(amount)) return this.holdExact(counter, amount);
    for (;;) {
      if (this.inflight) {
        await this.inflight;
      } else {
        if (this.ctx.now() < this.tightUntil) break;
        this.inflight = this.acquireSlice(counter, amount).finally(() => {
          this.inflight = null;
        });
        if (!(await this.inflight)) {
          const l = this.holdLocal(amount, counter.periodStart, this.ctx.now());
          if (l) return l;
          break;
        }
      }
      const l = this.holdLocal(amount, counter.periodStart, this.ctx.now());
      if (l) return l;
    }
    return this.holdExact(counter, amount);
  }

  /** `lease` (just held from) is this scope's newest slice and is three quarters used. */
  runningLow(lease: LocalLease): boolean {
    return lease.free() * 4n < lease.amount && lease === this.leases.findLast((l) => !l.row.exact);
  }

  /** Take the next slice in the background; nobody waits on it (holds that find no room join it). */
  prefetch(counter: CounterRef, amount: bigint): void {
    if (this.inflight || this.ctx.now() < this.tightUntil) return;
    const p = this.acquireSlice(counter, amount, true).finally(() => {
      if (this.inflight === p) this.inflight = null;
    });
    this.inflight = p;
    this.ctx.track(p);
  }

  /** A slice take is under way (the pool must stay where its lease will land). */
  busy(): boolean {
    return this.inflight !== null;
  }

  private async acquireSlice(counter: CounterRef, amount: bigint, early = false): Promise<boolean> {
    // Too large for even a one-request slice (its 8-slice headroom would pass MAX_AMOUNT): exact
    // takes only (hold goes there directly), leaving the slice size and the "tight" hint alone.
    if (!fitsSlice(amount)) return false;
    const now = this.ctx.now();
    const last = this.leases.findLast((l) => !l.row.exact);
    // Used up (or, for a prefetch, about to be): grow the slice if that went fast.
    if (last && (early || last.free() < amount))
      this.units = nextSliceUnits(this.units, now - last.row.createdAt, 0, this.ctx.ttlMs);
    const slice = sliceAmount(amount, this.units);
    const row = await this.ctx.store.take({
      counter,
      amount: slice,
      minRemaining: sliceThreshold(slice),
      holder: this.ctx.holder,
      exact: false,
      now,
      ttlMs: this.ctx.ttlMs,
    });
    if (!row) {
      this.tightUntil = now + TIGHT_MS;
      this.units = Math.max(MIN_SLICE_UNITS, Math.floor(this.units / 2));
      return false;
    }
    this.leases.push(new LocalLease(row));
    return true;
  }

  /** Exact-size take for one reservation; before refusing, give back our own parked free room. */
  private async holdExact(counter: CounterRef, amount: bigint): Promise<LocalLease | null> {
    const take = () =>
      this.ctx.store.take({
        counter,
        amount,
        minRemaining: amount,
        holder: this.ctx.holder,
        exact: true,
        now: this.ctx.now(),
        ttlMs: this.ctx.ttlMs,
      });
    let row = await take();
    if (!row) {
      const local = this.holdLocal(amount, counter.periodStart, this.ctx.now());
      if (local) return local;
      // Money on its way back (released exact leases) or parked in our slices: get it home first.
      await this.ctx.drain();
      const freed = await this.returnFree();
      row = await take();
      if (!row && freed > 0n) row = await take();
    }
    if (!row) return this.holdLocal(amount, counter.periodStart, this.ctx.now());
    const lease = new LocalLease(row);
    lease.tryHold(amount, this.ctx.now());
    this.leases.push(lease);
    return lease;
  }

  /** Give the free room of our slice leases back to the counter (budget is tight). */
  async returnFree(): Promise<bigint> {
    let total = 0n;
    for (const l of this.leases) {
      if (l.row.exact || l.closing) continue;
      const back = l.free();
      if (back === 0n) continue;
      l.amount -= back; // first locally, so no hold can use it while the DB call runs
      if (await this.ctx.store.shrink({ ...l.row, amount: l.amount + back }, back)) total += back;
      else l.closing = true;
    }
    return total;
  }

  remove(lease: LocalLease): void {
    const i = this.leases.indexOf(lease);
    if (i >= 0) this.leases.splice(i, 1);
  }

  /** A slice lease ended: adapt the slice size to how it was used. */
  noteEnded(lease: LocalLease, now: number): void {
    if (lease.row.exact || lease.row.amount === 0n) return;
    const unused = Number(lease.unspent()) / Number(lease.row.amount);
    this.units = nextSliceUnits(this.units, now - lease.row.createdAt, unused, this.ctx.ttlMs);
  }

  /** Forget the "tight" hint (budget changed or was reset). */
  loosen(): void {
    this.tightUntil = 0;
  }
}
