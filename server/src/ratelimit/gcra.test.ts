import { describe, expect, it } from 'vitest';
import { adjustTat, gcra, rescaleTat } from './gcra.js';
import { formatResetDuration, rateLimitHeaders } from './headers.js';

const lim = { limit: 60, windowMs: 60_000 };

describe('GCRA maths', () => {
  it('a fresh subject has the full limit; each request costs one interval', () => {
    const r = gcra(undefined, 1, lim, 0);
    expect(r).toMatchObject({ allowed: true, remaining: 59, resetMs: 1000, retryAfterMs: 0 });
  });

  it('refuses when the bucket is empty and says when to retry', () => {
    const r = gcra(60_000, 1, lim, 0);
    expect(r).toMatchObject({ allowed: false, remaining: 0, retryAfterMs: 1000, tat: 60_000 });
  });

  it('refills with time', () => {
    expect(gcra(60_000, 1, lim, 30_000)).toMatchObject({ allowed: true, remaining: 29 });
  });

  it('a cost above the limit can never pass', () => {
    expect(gcra(undefined, 61, lim, 0).retryAfterMs).toBe(Infinity);
  });

  it('a changed limit keeps the units used, up to a full bucket', () => {
    // 30 of 60 used (TAT 30 s ahead): 30 of 120 is 15 s ahead, 30 of 40 is 45 s ahead
    expect(rescaleTat(30_000, 60, { limit: 120, windowMs: 60_000 }, 0)).toBe(15_000);
    expect(rescaleTat(30_000, 60, { limit: 40, windowMs: 60_000 }, 0)).toBe(45_000);
    expect(rescaleTat(30_000, 60, { limit: 10, windowMs: 60_000 }, 0)).toBe(60_000);
    expect(rescaleTat(5_000, 60, { limit: 10, windowMs: 60_000 }, 9_000)).toBe(5_000);
  });

  it('adjustments move the TAT but never before now', () => {
    expect(adjustTat(10_000, -5, lim, 0)).toBe(5_000);
    expect(adjustTat(1_000, -50, lim, 0)).toBe(0);
  });
});

describe('OpenAI-style headers', () => {
  it('formats reset durations like OpenAI', () => {
    expect(formatResetDuration(17)).toBe('17ms');
    expect(formatResetDuration(1000)).toBe('1s');
    expect(formatResetDuration(1500)).toBe('1.5s');
    expect(formatResetDuration(360_000)).toBe('6m0s');
    expect(formatResetDuration(3_723_000)).toBe('1h2m3s');
  });

  it('writes both dimensions', () => {
    expect(
      rateLimitHeaders({ limit: 60, remaining: 59, resetMs: 1000 }, { limit: 1000, remaining: 900, resetMs: 6000 }),
    ).toEqual({
      'x-ratelimit-limit-requests': '60',
      'x-ratelimit-remaining-requests': '59',
      'x-ratelimit-reset-requests': '1s',
      'x-ratelimit-limit-tokens': '1000',
      'x-ratelimit-remaining-tokens': '900',
      'x-ratelimit-reset-tokens': '6s',
    });
  });
});
