// Exponentially weighted moving averages per deployment: latency (ms) of successful attempts and
// output throughput (tokens/s) when the caller reports tokens. Failed attempts are not averaged:
// a fast refusal would otherwise make a broken deployment look quick.

export class LatencyTracker {
  private readonly latency = new Map<string, number>();
  private readonly throughput = new Map<string, number>();

  /** `alpha` is the weight of the newest sample (0 < alpha ≤ 1). */
  constructor(private readonly alpha = 0.3) {
    if (!(alpha > 0 && alpha <= 1)) throw new RangeError('alpha must be in (0, 1]');
  }

  private static blend(map: Map<string, number>, id: string, sample: number, alpha: number): void {
    const prev = map.get(id);
    map.set(id, prev === undefined ? sample : alpha * sample + (1 - alpha) * prev);
  }

  record(id: string, latencyMs: number, outputTokens?: number): void {
    if (!Number.isFinite(latencyMs) || latencyMs < 0) return;
    LatencyTracker.blend(this.latency, id, latencyMs, this.alpha);
    if (outputTokens !== undefined && outputTokens > 0 && latencyMs > 0) {
      LatencyTracker.blend(this.throughput, id, (outputTokens * 1000) / latencyMs, this.alpha);
    }
  }

  /** Moving average latency in ms; null when never measured. */
  latencyOf(id: string): number | null {
    return this.latency.get(id) ?? null;
  }

  /** Moving average output tokens per second; null when never measured. */
  throughputOf(id: string): number | null {
    return this.throughput.get(id) ?? null;
  }
}
