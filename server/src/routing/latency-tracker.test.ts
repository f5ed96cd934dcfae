import { describe, expect, it } from 'vitest';
import { LatencyTracker } from './latency-tracker.js';

describe('LatencyTracker (EWMA)', () => {
  it('starts at the first sample, then blends with weight alpha', () => {
    const t = new LatencyTracker(0.5);
    expect(t.latencyOf('d')).toBeNull();
    t.record('d', 100);
    expect(t.latencyOf('d')).toBe(100);
    t.record('d', 200);
    expect(t.latencyOf('d')).toBe(150);
    t.record('d', 50);
    expect(t.latencyOf('d')).toBe(100);
  });

  it('converges towards a new steady level', () => {
    const t = new LatencyTracker(0.3);
    t.record('d', 1000);
    for (let i = 0; i < 40; i++) t.record('d', 100);
    expect(t.latencyOf('d')!).toBeGreaterThan(100);
    expect(t.latencyOf('d')!).toBeLessThan(101);
  });

  it('tracks throughput only when tokens are reported, and ignores invalid samples', () => {
    const t = new LatencyTracker(1);
    t.record('d', 500);
    expect(t.throughputOf('d')).toBeNull();
    t.record('d', 2000, 100);
    expect(t.throughputOf('d')).toBe(50);
    t.record('d', -5);
    t.record('d', Number.NaN);
    expect(t.latencyOf('d')).toBe(2000);
  });

  it('rejects alpha outside (0, 1]', () => {
    expect(() => new LatencyTracker(0)).toThrow(RangeError);
    expect(() => new LatencyTracker(1.5)).toThrow(RangeError);
  });
});
