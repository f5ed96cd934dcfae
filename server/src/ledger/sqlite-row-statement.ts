// One cached prepared statement run once per row, for SQLite batch writers (ledger postBatch,
// metering). Measured on better-sqlite3 12 (bench notes in metering/README.md): a single-row
// statement per row costs less CPU than multi-row `VALUES (…), (…)` statements (SQLite runs
// multi-row VALUES through a co-routine and binds thousands of parameters per call), and
// `.run().changes` costs less than RETURNING. Statements run on the raw better-sqlite3 handle,
// which inside a Kysely transaction is that transaction's connection (SQLite has one).
import type BetterSqlite3 from 'better-sqlite3';
import type { Pause } from './pause.js';

/** Rows per pause check: a pause is a promise, too costly to await after every row. */
const ROWS_PER_PAUSE = 16;

export class SqliteRowStatement {
  private stmt: BetterSqlite3.Statement | null = null;

  constructor(
    private readonly handle: BetterSqlite3.Database,
    private readonly sql: string,
    private readonly width: number,
  ) {}

  /**
   * Run once per row of `values` (flat, row-major, `width` values per row). Returns the value at
   * column `keyColumn` of every row that changed the table (for INSERT … ON CONFLICT DO NOTHING:
   * the rows that were new), when `keyColumn` is given.
   */
  async run(values: readonly unknown[], pause?: Pause, keyColumn?: number): Promise<unknown[]> {
    this.stmt ??= this.handle.prepare(this.sql);
    const stmt = this.stmt;
    const w = this.width;
    const changed: unknown[] = [];
    const rows = values.length / w;
    // One parameter array reused for every row (better-sqlite3 binds it before run returns): no
    // array allocated per row.
    const params = new Array<unknown>(w);
    for (let r = 0; r < rows; r++) {
      const at = r * w;
      for (let c = 0; c < w; c++) params[c] = values[at + c];
      const { changes } = stmt.run(params);
      if (keyColumn !== undefined && changes > 0) changed.push(values[at + keyColumn]);
      if (pause && r % ROWS_PER_PAUSE === ROWS_PER_PAUSE - 1) await pause();
    }
    return changed;
  }
}
