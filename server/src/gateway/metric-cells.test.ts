// The cells must expose exactly what prom-client's own Counter and Histogram would.
import { Counter, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { BucketHistogram, CounterCells } from './metric-cells.js';

const BOUNDS = [0.01, 0.05, 0.1, 1];
const VALUES = [0, 0.004, 0.01, 0.05, 0.07, 0.5, 1, 3, 1e9];

describe('metric cells', () => {
  it('a histogram renders like prom-client’s, labelled or not, before and after observations', async () => {
    const ours = new Registry();
    const theirs = new Registry();
    const plain = new BucketHistogram('h_plain', 'unlabelled', BOUNDS, ours);
    const byProvider = new BucketHistogram('h_labelled', 'labelled', BOUNDS, ours);
    const refPlain = new Histogram({ name: 'h_plain', help: 'unlabelled', buckets: BOUNDS, registers: [theirs] });
    const refByProvider = new Histogram({
      name: 'h_labelled',
      help: 'labelled',
      buckets: BOUNDS,
      labelNames: ['provider'],
      registers: [theirs],
    });
    const plainCell = plain.cell('', {});
    expect(await ours.metrics()).toBe(await theirs.metrics());
    for (const [i, v] of VALUES.entries()) {
      const provider = i % 2 ? 'openai' : 'anthropic "x"';
      plain.observe(plainCell, v);
      refPlain.observe(v);
      byProvider.observe(byProvider.cell(provider, { provider }), v);
      refByProvider.labels({ provider }).observe(v);
    }
    expect(await ours.metrics()).toBe(await theirs.metrics());
    expect(await ours.getMetricsAsJSON()).toEqual(await theirs.getMetricsAsJSON());
  });

  it('counter cells reach their Counter when it is scraped', async () => {
    const ours = new Registry();
    const theirs = new Registry();
    const cells = new CounterCells<'endpoint' | 'status'>(() => counter);
    const counter: Counter<'endpoint' | 'status'> = new Counter({
      name: 'c_total',
      help: 'c',
      labelNames: ['endpoint', 'status'],
      registers: [ours],
      collect: () => cells.flush(),
    });
    const ref = new Counter({ name: 'c_total', help: 'c', labelNames: ['endpoint', 'status'], registers: [theirs] });
    for (const [endpoint, status, n] of [
      ['chat', '200', 3],
      ['chat', '429', 1],
      ['embeddings', '200', 2],
    ] as const) {
      const cell = cells.cell(`${endpoint}\n${status}`, { endpoint, status });
      for (let i = 0; i < n; i++) {
        cell.pending += 1;
        ref.labels({ endpoint, status }).inc();
      }
    }
    expect(await ours.metrics()).toBe(await theirs.metrics());
    // Twice: what was flushed is not counted again.
    expect(await ours.metrics()).toBe(await theirs.metrics());
  });
});
