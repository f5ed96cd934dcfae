// Circuit breaker per deployment: N consecutive failures of the deployment's own open the circuit
// for a cool-down; after it the circuit is half-open and admits exactly one trial; the trial's
// success closes it, its failure re-opens it. Pure state machine: every call takes `nowMs`.

export type CircuitState = 'closed' | 'open' | 'half-open';

export interface CircuitBreakerOptions {
  /** Consecutive failures of the deployment's own that open the circuit. */
  failureThreshold: number;
  /** How long an open circuit refuses attempts before a trial. */
  cooldownMs: number;
}

interface Entry {
  failures: number;
  openUntil: number | null;
  lastFailureAt: number | null;
  /** When the half-open trial was handed out; a trial nobody reports on expires after a cool-down. */
  trialSince: number | null;
}

export class CircuitBreaker {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly opts: CircuitBreakerOptions) {
    if (opts.failureThreshold < 1) throw new RangeError('failureThreshold must be at least 1');
    if (opts.cooldownMs < 0) throw new RangeError('cooldownMs must not be negative');
  }

  private entry(id: string): Entry {
    let e = this.entries.get(id);
    if (!e) this.entries.set(id, (e = { failures: 0, openUntil: null, lastFailureAt: null, trialSince: null }));
    return e;
  }

  state(id: string, nowMs: number): CircuitState {
    const e = this.entries.get(id);
    if (!e || e.openUntil === null) return 'closed';
    return nowMs < e.openUntil ? 'open' : 'half-open';
  }

  /**
   * Could an attempt go to this deployment now, without taking anything? Closed: yes. Open: no.
   * Half-open: yes while no trial is out. The planner asks this of fallbacks, which may never be
   * tried; the attempt that does go there claims the trial with `admit`.
   */
  available(id: string, nowMs: number): boolean {
    const state = this.state(id, nowMs);
    if (state !== 'half-open') return state === 'closed';
    const since = this.entries.get(id)?.trialSince ?? null;
    return since === null || nowMs - since >= this.opts.cooldownMs;
  }

  /**
   * May an attempt go to this deployment now? Closed: yes. Open: no. Half-open: yes for the first
   * caller only (the trial), until the trial reports or its lease of one cool-down runs out.
   */
  admit(id: string, nowMs: number): boolean {
    if (!this.available(id, nowMs)) return false;
    if (this.state(id, nowMs) === 'half-open') this.entry(id).trialSince = nowMs;
    return true;
  }

  /**
   * Feed back an attempt. Only failures that are the deployment's fault count: the transient ones
   * (connect errors, timeouts, 429, 5xx) and a broken deployment's (401/402/403/404: revoked key,
   * unpaid account, retired model), which must cool down too. A failure the request caused (400,
   * 413, 422) proves the deployment up, so it counts as a sign of life. The planner passes its
   * outcome's `retryable` as `deploymentFault`: the gateway falls back from exactly these failures.
   */
  record(id: string, ok: boolean, deploymentFault: boolean, nowMs: number): void {
    const e = this.entry(id);
    if (ok || !deploymentFault) {
      e.failures = 0;
      e.openUntil = null;
      e.trialSince = null;
      return;
    }
    e.failures += 1;
    e.lastFailureAt = nowMs;
    const wasTrial = e.openUntil !== null && nowMs >= e.openUntil;
    if (wasTrial || e.failures >= this.opts.failureThreshold) {
      e.openUntil = nowMs + this.opts.cooldownMs;
      e.trialSince = null;
    }
  }

  /** When this deployment last failed (null = never); picks the best bet when every circuit is open. */
  lastFailureAt(id: string): number | null {
    return this.entries.get(id)?.lastFailureAt ?? null;
  }
}
