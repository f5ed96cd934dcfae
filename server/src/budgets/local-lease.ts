// A lease as its holder sees it (pure bookkeeping, no I/O): how much of the slice is held by live
// reservations, how much was settled (spent), and what is still free to hand out.
export interface LeaseRow {
  id: string;
  scopeKey: string;
  periodStart: number;
  amount: bigint;
  exact: boolean;
  createdAt: number;
  expiresAt: number;
}

export class LocalLease {
  /** Held by live reservations. */
  held = 0n;
  /** Settled actual costs (may exceed `amount` when calls cost more than reserved). */
  spent = 0n;
  /** Reservations currently holding money on this lease. */
  holders = 0;
  lastUsedAt: number;
  /** Set once the lease is being given back; no new holds after that. */
  closing = false;

  constructor(
    readonly row: LeaseRow,
    public amount: bigint = row.amount,
    public expiresAt: number = row.expiresAt,
  ) {
    this.lastUsedAt = row.createdAt;
  }

  get id(): string {
    return this.row.id;
  }

  /** Money not held and not spent; never negative. */
  free(): bigint {
    const f = this.amount - this.held - this.spent;
    return f > 0n ? f : 0n;
  }

  /** Usable for a new hold: not closing, not exact, and not about to expire (renewal lag margin). */
  usable(nowMs: number, marginMs: number): boolean {
    return !this.closing && !this.row.exact && nowMs + marginMs < this.expiresAt;
  }

  tryHold(amount: bigint, nowMs: number): boolean {
    if (this.free() < amount) return false;
    this.held += amount;
    this.holders++;
    this.lastUsedAt = nowMs;
    return true;
  }

  /** Drop a hold without spending (release, expired reservation). */
  unhold(amount: bigint): void {
    this.held -= amount;
    this.holders--;
  }

  /**
   * Keep `actual` of a hold of `reserved`. An actual above the reservation takes the extra from
   * the lease's free part when it has it; the metering record caps what a lease covers in the DB.
   */
  settle(reserved: bigint, actual: bigint, nowMs: number): void {
    this.held -= reserved;
    this.holders--;
    this.spent += actual;
    this.lastUsedAt = nowMs;
  }

  /** What the counter should get back when this lease ends: the part neither held nor spent. */
  unspent(): bigint {
    return this.free();
  }

  idle(): boolean {
    return this.holders === 0;
  }
}
