// Retry back-off: exponential growth with "equal jitter" (half fixed, half random) so retries from
// many clients spread out yet never collapse to zero; an upstream Retry-After is honoured up to
// the cap. Pure: randomness is passed in.

export interface BackoffOptions {
  /** Delay scale of the first retry. */
  baseMs: number;
  /** No single delay exceeds this. */
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 100, maxMs: 2_000 };

/**
 * Delay before retry number `attempt` (0 = the first retry). With random() in [0,1) the result is
 * in [cap/2, cap) where cap = min(maxMs, baseMs·2^attempt); at least `retryAfterMs` when given.
 */
export function retryDelayMs(
  attempt: number,
  random: () => number,
  opts: BackoffOptions = DEFAULT_BACKOFF,
  retryAfterMs?: number | null,
): number {
  const exp = Math.min(opts.maxMs, opts.baseMs * 2 ** Math.max(0, Math.min(attempt, 30)));
  const half = exp / 2;
  const jittered = Math.floor(half + random() * half);
  if (retryAfterMs !== undefined && retryAfterMs !== null && retryAfterMs > jittered) {
    return Math.min(opts.maxMs, Math.ceil(retryAfterMs));
  }
  return jittered;
}

/** The delays for `retries` retries in order (logs, tests, documentation). */
export function backoffSchedule(
  retries: number,
  random: () => number,
  opts: BackoffOptions = DEFAULT_BACKOFF,
): number[] {
  return Array.from({ length: Math.max(0, retries) }, (_, i) => retryDelayMs(i, random, opts));
}
