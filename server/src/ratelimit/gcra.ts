// Rate-limit maths (pure): GCRA, the "generic cell rate algorithm" — a token bucket kept as one
// number per subject, the theoretical arrival time (TAT). A limit of L per window W lets L units
// through at once and then one every W/L; a request of cost c is allowed while
// max(TAT, now) + c·W/L − now ≤ W. No timers, no per-request logs: memory is O(subjects).

export interface GcraLimit {
  /** Units per window (requests or tokens). */
  limit: number;
  windowMs: number;
}

export interface GcraResult {
  allowed: boolean;
  /** The TAT to store when allowed (unchanged state when refused). */
  tat: number;
  /** Units still available right after this decision. */
  remaining: number;
  /** ms until the bucket is full again ("reset" in OpenAI's headers). */
  resetMs: number;
  /** ms until this request could pass (0 when allowed; Infinity when it never can). */
  retryAfterMs: number;
}

export function gcra(tat: number | undefined, cost: number, lim: GcraLimit, nowMs: number): GcraResult {
  const interval = lim.windowMs / lim.limit;
  const base = Math.max(tat ?? nowMs, nowMs);
  const next = base + cost * interval;
  const allowAt = next - lim.windowMs;
  if (allowAt <= nowMs) {
    return {
      allowed: true,
      tat: next,
      remaining: remainingAt(next, lim, nowMs),
      resetMs: next - nowMs,
      retryAfterMs: 0,
    };
  }
  return {
    allowed: false,
    tat: base,
    remaining: remainingAt(base, lim, nowMs),
    resetMs: base - nowMs,
    retryAfterMs: cost > lim.limit ? Infinity : allowAt - nowMs,
  };
}

function remainingAt(tat: number, lim: GcraLimit, nowMs: number): number {
  const interval = lim.windowMs / lim.limit;
  const used = Math.max(0, tat - nowMs) / interval;
  return Math.max(0, Math.floor(lim.limit - used + 1e-9));
}

/** Shift a stored TAT by `delta` units (token corrections); never earlier than now. */
export function adjustTat(tat: number | undefined, delta: number, lim: GcraLimit, nowMs: number): number {
  const base = Math.max(tat ?? nowMs, nowMs);
  return Math.max(nowMs, base + (delta * lim.windowMs) / lim.limit);
}

/**
 * A stored TAT re-expressed under a changed limit: the units already used stay used, up to a full
 * bucket under the new limit. A TAT is time, not units, so read as-is, raising rpm 10 → 1000 after
 * 10 requests would count 1000 used (refused at once), and lowering 1000 → 10 would forget most.
 */
export function rescaleTat(tat: number, fromLimit: number, lim: GcraLimit, nowMs: number): number {
  if (fromLimit === lim.limit || tat <= nowMs) return tat;
  return Math.min(nowMs + lim.windowMs, nowMs + ((tat - nowMs) * fromLimit) / lim.limit);
}
