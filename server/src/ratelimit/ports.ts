// Rate limits (rpm and tpm per key, user, tenant). In-process now; Redis for multi-node later.

export interface RateLimitRule {
  /** e.g. `key:key_…`, `user:usr_…`, `tenant:ten_…` */
  subject: string;
  rpm: number | null;
  tpm: number | null;
}

export interface RateLimitDecision {
  allowed: boolean;
  /** Seconds until a retry can succeed (for Retry-After) when refused. */
  retryAfterSeconds: number;
  /** OpenAI-style headers: x-ratelimit-limit-requests, -remaining-requests, -reset-requests, …-tokens */
  headers: Record<string, string>;
}

export interface RateLimiter {
  /** Count one request and `tokens` estimated tokens against every rule; refuse if any is over. */
  check(rules: readonly RateLimitRule[], tokens: number, nowMs: number): RateLimitDecision | Promise<RateLimitDecision>;
  /** Correct the token count after the call (actual − estimated, may be negative). */
  adjustTokens(rules: readonly RateLimitRule[], delta: number, nowMs: number): void;
}
