import { describe, expect, it } from 'vitest';
import { afterFailure, checkLock } from './lockout.js';

const policy = { maxAttempts: 5, lockMs: 15 * 60_000 };
const t0 = 1_000_000;

describe('lock-out rule', () => {
  it('locks on the 5th consecutive failure for exactly 15 minutes', () => {
    let s = { failedLogins: 0, lockedUntil: null as number | null };
    for (let i = 1; i <= 4; i++) {
      s = afterFailure(s, t0, policy);
      expect(s).toEqual({ failedLogins: i, lockedUntil: null });
      expect(checkLock(s, t0).locked).toBe(false);
    }
    s = afterFailure(s, t0, policy);
    expect(s.lockedUntil).toBe(t0 + 900_000);
    expect(checkLock(s, t0)).toEqual({ locked: true, retryAfterSeconds: 900 });
    expect(checkLock(s, t0 + 899_001)).toEqual({ locked: true, retryAfterSeconds: 1 });
    expect(checkLock(s, t0 + 900_000)).toEqual({ locked: false });
  });

  it('starts a fresh count after a lock has expired', () => {
    const expired = { failedLogins: 3, lockedUntil: t0 - 1 };
    expect(afterFailure(expired, t0, policy)).toEqual({ failedLogins: 1, lockedUntil: null });
  });

  it('honours a policy of one attempt', () => {
    expect(
      afterFailure({ failedLogins: 0, lockedUntil: null }, t0, { maxAttempts: 1, lockMs: 60_000 }).lockedUntil,
    ).toBe(t0 + 60_000);
  });
});
