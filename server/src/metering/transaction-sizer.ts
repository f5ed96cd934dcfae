// How many events the worker writer puts in one transaction: at most `maxRows`, and adjusted so a
// transaction takes about `targetMs` — halved after one that ran past the target, doubled (up to
// maxRows) after one that took under half of it. Short transactions bound how long a main-thread
// SQLite write waits on the write lock; the size adapts to the machine instead of guessing rows.
// Pure: the caller measures.
export class TransactionSizer {
  private n: number;

  constructor(
    private readonly maxRows: number,
    private readonly targetMs: number,
    private readonly minRows = 64,
  ) {
    this.n = Math.max(1, Math.min(maxRows, 256));
  }

  /** Events for the next transaction. */
  get rows(): number {
    return this.n;
  }

  /** A transaction of `rows` events took `ms`. */
  observe(rows: number, ms: number): void {
    if (ms > this.targetMs) this.n = Math.max(Math.min(this.minRows, this.maxRows), Math.floor(rows / 2));
    else if (ms < this.targetMs / 2 && rows >= this.n) this.n = Math.min(this.maxRows, this.n * 2);
  }
}
