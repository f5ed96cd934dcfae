// Pure: the login lock-out rule. After `maxAttempts` consecutive failures an account is locked for
// `lockMs`; while locked even the right password is refused. A success resets the counter.

export interface LockPolicy {
  maxAttempts: number;
  lockMs: number;
}

export interface LockState {
  failedLogins: number;
  /** epoch ms; null = not locked. */
  lockedUntil: number | null;
}

export type LockCheck = { locked: false } | { locked: true; retryAfterSeconds: number };

export function checkLock(state: LockState, now: number): LockCheck {
  if (state.lockedUntil !== null && state.lockedUntil > now) {
    return { locked: true, retryAfterSeconds: Math.max(1, Math.ceil((state.lockedUntil - now) / 1000)) };
  }
  return { locked: false };
}

/** State after one more failed attempt (counted from `failedLogins` as stored). */
export function afterFailure(state: LockState, now: number, policy: LockPolicy): LockState {
  // An expired lock starts a fresh count.
  const base = state.lockedUntil !== null && state.lockedUntil <= now ? 0 : state.failedLogins;
  const failed = base + 1;
  if (failed >= policy.maxAttempts) return { failedLogins: 0, lockedUntil: now + policy.lockMs };
  return { failedLogins: failed, lockedUntil: null };
}
