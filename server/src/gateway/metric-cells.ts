// Hot-path metric recording in plain numbers. prom-client validates and hashes the label set on
// every inc/observe, even through a `labels()` child — a few microseconds per gateway call for the
// six recordings it makes. Here each label combination is a cell resolved once; prom-client still
// owns the registry and the exposition format: counter cells are added to their Counter when it is
// scraped (its `collect`), and BucketHistogram is a registry collector that reports exactly what
// prom-client's Histogram would (same values, labels and order), from bucket counts kept here.
import type { Counter, Metric, Registry } from 'prom-client';

/** One label combination of a counter: increments wait in `pending` until the next scrape. */
export interface CounterCell {
  pending: number;
}

/** Counter cells of one prom-client Counter; pass `flush` as the Counter's `collect`. */
export class CounterCells<L extends string> {
  private readonly cells = new Map<string, { cell: CounterCell; child: { inc(v: number): void } }>();

  constructor(private readonly counter: () => Counter<L>) {}

  /** The cell of a label set; `key` must identify it (callers memoise, so this runs rarely). */
  cell(key: string, labels: Partial<Record<L, string>>): CounterCell {
    let c = this.cells.get(key);
    if (!c) {
      c = { cell: { pending: 0 }, child: this.counter().labels(labels) };
      this.cells.set(key, c);
    }
    return c.cell;
  }

  flush(): void {
    for (const { cell, child } of this.cells.values()) {
      if (cell.pending > 0) {
        child.inc(cell.pending);
        cell.pending = 0;
      }
    }
  }
}

/** One label combination of a histogram. */
export interface HistogramCell {
  /** Observations per bucket (non-cumulative); the last slot counts those above every bound. */
  readonly counts: Float64Array;
  sum: number;
  count: number;
  readonly labels: Record<string, string>;
}

type Value = {
  labels: Record<string, string | number>;
  sharedLabels: Record<string, string>;
  value: number;
  metricName: string;
  exemplar?: null;
};

export class BucketHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly cells = new Map<string, HistogramCell>();

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly bounds: readonly number[],
    registry: Registry,
  ) {
    registry.registerMetric(this as unknown as Metric);
  }

  /** The cell of a label set, created on first use (prom-client too reports a label set from its
   *  first observation on; an unlabelled histogram's one cell, from the start). */
  cell(key: string, labels: Record<string, string>): HistogramCell {
    let c = this.cells.get(key);
    if (!c) {
      c = { counts: new Float64Array(this.bounds.length + 1), sum: 0, count: 0, labels };
      this.cells.set(key, c);
    }
    return c;
  }

  observe(c: HistogramCell, value: number): void {
    if (!Number.isFinite(value)) return;
    const b = this.bounds;
    let i = 0;
    while (i < b.length && value > b[i]!) i++;
    c.counts[i]!++;
    c.sum += value;
    c.count++;
  }

  /** prom-client's Histogram#getForPromString shape: cumulative buckets, +Inf, sum, count. */
  getForPromString(): { name: string; help: string; type: string; values: Value[]; aggregator: string } {
    const values: Value[] = [];
    const bucket = `${this.name}_bucket`;
    for (const c of this.cells.values()) {
      let acc = 0;
      for (let i = 0; i < this.bounds.length; i++) {
        acc += c.counts[i]!;
        values.push({
          labels: { le: this.bounds[i]! },
          sharedLabels: c.labels,
          value: acc,
          metricName: bucket,
          exemplar: null,
        });
      }
      values.push({
        labels: { le: '+Inf' },
        sharedLabels: c.labels,
        value: c.count,
        metricName: bucket,
        exemplar: null,
      });
      values.push({ labels: {}, sharedLabels: c.labels, value: c.sum, metricName: `${this.name}_sum` });
      values.push({ labels: {}, sharedLabels: c.labels, value: c.count, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }

  /** The JSON form (registry.getMetricsAsJSON): labels merged, like prom-client's get(). */
  get(): { name: string; help: string; type: string; values: unknown[]; aggregator: string } {
    const data = this.getForPromString();
    return {
      ...data,
      values: data.values.map(({ sharedLabels, labels, ...rest }) => ({
        ...rest,
        labels: { ...labels, ...sharedLabels },
      })),
    };
  }

  reset(): void {
    for (const c of this.cells.values()) {
      c.counts.fill(0);
      c.sum = 0;
      c.count = 0;
    }
  }
}
