import { describe, expect, it } from 'vitest';
import { ManualClock } from '../shared/clock.js';
import { CircuitBreaker } from './circuit-breaker.js';

const fail = (b: CircuitBreaker, id: string, now: number, times = 1) => {
  for (let i = 0; i < times; i++) b.record(id, false, true, now);
};

describe('CircuitBreaker', () => {
  it('opens after N consecutive retryable failures and refuses during the cool-down', () => {
    const clock = new ManualClock();
    const b = new CircuitBreaker({ failureThreshold: 3, cooldownMs: 10_000 });
    fail(b, 'd1', clock.now(), 2);
    expect(b.state('d1', clock.now())).toBe('closed');
    expect(b.admit('d1', clock.now())).toBe(true);
    fail(b, 'd1', clock.now());
    expect(b.state('d1', clock.now())).toBe('open');
    expect(b.admit('d1', clock.now())).toBe(false);
    clock.advance(9_999);
    expect(b.admit('d1', clock.now())).toBe(false);
    expect(b.state('other', clock.now())).toBe('closed');
  });

  it('a success in between resets the count (failures must be consecutive)', () => {
    const b = new CircuitBreaker({ failureThreshold: 3, cooldownMs: 1000 });
    fail(b, 'd1', 0, 2);
    b.record('d1', true, false, 0);
    fail(b, 'd1', 0, 2);
    expect(b.state('d1', 0)).toBe('closed');
  });

  it('failures the request caused (a 400) do not count: the deployment answered', () => {
    const b = new CircuitBreaker({ failureThreshold: 2, cooldownMs: 1000 });
    fail(b, 'd1', 0);
    b.record('d1', false, false, 0);
    fail(b, 'd1', 0);
    expect(b.state('d1', 0)).toBe('closed');
  });

  it('half-open after the cool-down admits exactly one trial; success closes it', () => {
    const clock = new ManualClock();
    const b = new CircuitBreaker({ failureThreshold: 1, cooldownMs: 5_000 });
    fail(b, 'd1', clock.now());
    clock.advance(5_000);
    expect(b.state('d1', clock.now())).toBe('half-open');
    expect(b.admit('d1', clock.now())).toBe(true);
    expect(b.admit('d1', clock.now())).toBe(false);
    b.record('d1', true, false, clock.now());
    expect(b.state('d1', clock.now())).toBe('closed');
    expect(b.admit('d1', clock.now())).toBe(true);
    expect(b.admit('d1', clock.now())).toBe(true);
  });

  it('a failed trial re-opens the circuit for a full cool-down at once', () => {
    const clock = new ManualClock();
    const b = new CircuitBreaker({ failureThreshold: 3, cooldownMs: 5_000 });
    fail(b, 'd1', clock.now(), 3);
    clock.advance(6_000);
    expect(b.admit('d1', clock.now())).toBe(true);
    fail(b, 'd1', clock.now());
    expect(b.state('d1', clock.now())).toBe('open');
    clock.advance(4_999);
    expect(b.admit('d1', clock.now())).toBe(false);
    clock.advance(1);
    expect(b.admit('d1', clock.now())).toBe(true);
  });

  it('a trial nobody reports on expires after one cool-down so the deployment is not stuck', () => {
    const b = new CircuitBreaker({ failureThreshold: 1, cooldownMs: 1_000 });
    fail(b, 'd1', 0);
    expect(b.admit('d1', 1_000)).toBe(true);
    expect(b.admit('d1', 1_500)).toBe(false);
    expect(b.admit('d1', 2_000)).toBe(true);
  });

  it('remembers when each deployment last failed', () => {
    const b = new CircuitBreaker({ failureThreshold: 5, cooldownMs: 1_000 });
    expect(b.lastFailureAt('d1')).toBeNull();
    fail(b, 'd1', 42);
    expect(b.lastFailureAt('d1')).toBe(42);
  });

  it('rejects nonsense options', () => {
    expect(() => new CircuitBreaker({ failureThreshold: 0, cooldownMs: 1 })).toThrow(RangeError);
    expect(() => new CircuitBreaker({ failureThreshold: 1, cooldownMs: -1 })).toThrow(RangeError);
  });
});
