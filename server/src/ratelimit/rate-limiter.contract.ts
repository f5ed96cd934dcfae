// The RateLimiter contract: every implementation (in-process now, Redis later) runs this suite.
import { describe, expect, it } from 'vitest';
import type { RateLimitRule, RateLimiter } from './ports.js';

const T0 = Date.UTC(2026, 0, 15, 12, 0, 0);

export function rateLimiterContract(name: string, make: () => RateLimiter | Promise<RateLimiter>): void {
  describe(`RateLimiter contract: ${name}`, () => {
    const rpm = (subject: string, n: number): RateLimitRule => ({ subject, rpm: n, tpm: null });

    it('lets exactly rpm requests through in a burst, then refuses with Retry-After', async () => {
      const rl = await make();
      const rules = [rpm('key:a', 5)];
      for (let i = 0; i < 5; i++) expect((await rl.check(rules, 0, T0)).allowed).toBe(true);
      const refused = await rl.check(rules, 0, T0);
      expect(refused.allowed).toBe(false);
      expect(refused.retryAfterSeconds).toBe(12); // one request every 60s/5
      expect(refused.headers['x-ratelimit-remaining-requests']).toBe('0');
      expect((await rl.check(rules, 0, T0 + 12_000)).allowed).toBe(true);
    });

    it('refuses all-or-nothing: a refused check consumes nothing on the other rules', async () => {
      const rl = await make();
      const tight = rpm('key:k', 1);
      const loose = rpm('tenant:t', 3);
      expect((await rl.check([tight, loose], 0, T0)).allowed).toBe(true);
      expect((await rl.check([tight, loose], 0, T0)).allowed).toBe(false);
      expect((await rl.check([loose], 0, T0)).allowed).toBe(true);
      expect((await rl.check([loose], 0, T0)).allowed).toBe(true);
      expect((await rl.check([loose], 0, T0)).allowed).toBe(false);
    });

    it('counts tokens per minute and takes corrections', async () => {
      const rl = await make();
      const rules: RateLimitRule[] = [{ subject: 'user:u', rpm: null, tpm: 1000 }];
      expect((await rl.check(rules, 800, T0)).allowed).toBe(true);
      expect((await rl.check(rules, 300, T0)).allowed).toBe(false);
      await rl.adjustTokens(rules, -500, T0); // the call used 300, not 800
      const d = await rl.check(rules, 300, T0);
      expect(d.allowed).toBe(true);
      expect(d.headers['x-ratelimit-limit-tokens']).toBe('1000');
      expect(d.headers['x-ratelimit-remaining-tokens']).toBe('400');
    });

    it('refuses a single request larger than the whole tpm with a bounded Retry-After', async () => {
      const rl = await make();
      const d = await rl.check([{ subject: 'key:big', rpm: null, tpm: 100 }], 101, T0);
      expect(d.allowed).toBe(false);
      expect(d.retryAfterSeconds).toBeGreaterThan(0);
      expect(d.retryAfterSeconds).toBeLessThanOrEqual(60);
    });

    it('keeps subjects apart and reports the tightest rule in the headers', async () => {
      const rl = await make();
      expect((await rl.check([rpm('key:x', 1)], 0, T0)).allowed).toBe(true);
      expect((await rl.check([rpm('key:y', 1)], 0, T0)).allowed).toBe(true);
      const d = await rl.check([rpm('key:z', 10), rpm('tenant:z', 2)], 0, T0);
      expect(d.headers['x-ratelimit-limit-requests']).toBe('2');
      expect(d.headers['x-ratelimit-remaining-requests']).toBe('1');
      expect(d.headers['x-ratelimit-reset-requests']).toBe('30s');
    });

    it('a limit changed by the operator keeps what was already used in the window', async () => {
      const rl = await make();
      for (let i = 0; i < 10; i++) expect((await rl.check([rpm('key:up', 10)], 0, T0)).allowed).toBe(true);
      expect((await rl.check([rpm('key:up', 10)], 0, T0)).allowed).toBe(false);
      // raised to 100: 10 used, so 89 left after this one (not "100 used")
      const raised = await rl.check([rpm('key:up', 100)], 0, T0);
      expect(raised.allowed).toBe(true);
      expect(raised.headers['x-ratelimit-remaining-requests']).toBe('89');

      for (let i = 0; i < 50; i++) expect((await rl.check([rpm('key:down', 100)], 0, T0)).allowed).toBe(true);
      // lowered to 10 with 50 used this minute: the bucket is full, not fresh; the next in 60 s / 10
      const lowered = await rl.check([rpm('key:down', 10)], 0, T0);
      expect(lowered.allowed).toBe(false);
      expect(lowered.headers['x-ratelimit-remaining-requests']).toBe('0');
      expect(lowered.retryAfterSeconds).toBe(6);

      const tpm = (n: number): RateLimitRule[] => [{ subject: 'user:tpm', rpm: null, tpm: n }];
      expect((await rl.check(tpm(1000), 1000, T0)).allowed).toBe(true);
      await rl.adjustTokens(tpm(2000), -500, T0); // limit raised during the call; it used 500
      const d = await rl.check(tpm(2000), 0, T0);
      expect(d.headers['x-ratelimit-remaining-tokens']).toBe('1500');
    });

    it('allows everything when no rule has a limit', async () => {
      const rl = await make();
      const d = await rl.check([{ subject: 'key:n', rpm: null, tpm: null }], 10_000, T0);
      expect(d).toEqual({ allowed: true, retryAfterSeconds: 0, headers: {} });
    });
  });
}
