// OpenAI-style rate-limit headers (pure): x-ratelimit-{limit,remaining,reset}-{requests,tokens}.
// Reset durations are written like OpenAI's (Go durations): "20ms", "1s", "1.5s", "6m0s", "1h2m3s".

export function formatResetDuration(ms: number): string {
  const total = Math.max(0, Math.ceil(ms));
  if (total < 1000) return `${total}ms`;
  const h = Math.floor(total / 3_600_000);
  const m = Math.floor((total % 3_600_000) / 60_000);
  const sMs = total % 60_000;
  const s = (sMs / 1000).toFixed(3).replace(/\.?0+$/, '');
  if (h > 0) return `${h}h${m}m${s}s`;
  if (m > 0) return `${m}m${s}s`;
  return `${s}s`;
}

export interface DimensionState {
  limit: number;
  remaining: number;
  resetMs: number;
}

export function rateLimitHeaders(
  requests: DimensionState | null,
  tokens: DimensionState | null,
): Record<string, string> {
  const h: Record<string, string> = {};
  if (requests) {
    h['x-ratelimit-limit-requests'] = String(requests.limit);
    h['x-ratelimit-remaining-requests'] = String(requests.remaining);
    h['x-ratelimit-reset-requests'] = formatResetDuration(requests.resetMs);
  }
  if (tokens) {
    h['x-ratelimit-limit-tokens'] = String(tokens.limit);
    h['x-ratelimit-remaining-tokens'] = String(tokens.remaining);
    h['x-ratelimit-reset-tokens'] = formatResetDuration(tokens.resetMs);
  }
  return h;
}
