// The in-process RateLimiter: GCRA state per (subject, requests|tokens) in a Map. A check counts
// against every rule or none (all-or-nothing). Idle subjects — whose bucket is full again — carry
// no information and are evicted, so memory stays bounded by the number of active subjects.
import { adjustTat, gcra, type GcraLimit, type GcraResult } from './gcra.js';
import { rateLimitHeaders, type DimensionState } from './headers.js';
import type { RateLimitDecision, RateLimitRule, RateLimiter } from './ports.js';

const MINUTE = 60_000;

export interface MemoryRateLimiterOptions {
  /** Evict idle subjects once the map holds this many entries (and every sweepEvery checks). */
  maxEntries?: number;
  sweepEvery?: number;
}

export class MemoryRateLimiter implements RateLimiter {
  private readonly tat = new Map<string, number>();
  private ops = 0;
  private readonly maxEntries: number;
  private readonly sweepEvery: number;

  constructor(opts: MemoryRateLimiterOptions = {}) {
    this.maxEntries = opts.maxEntries ?? 100_000;
    this.sweepEvery = opts.sweepEvery ?? 10_000;
  }

  check(rules: readonly RateLimitRule[], tokens: number, nowMs: number): RateLimitDecision {
    this.maybeSweep(nowMs);
    const updates: [string, number][] = [];
    let req: DimensionState | null = null;
    let tok: DimensionState | null = null;
    let refusedRetry = 0;
    let refused = false;
    const consider = (key: string, cost: number, lim: GcraLimit, dim: 'r' | 't') => {
      const r: GcraResult = gcra(this.tat.get(key), cost, lim, nowMs);
      if (r.allowed) updates.push([key, r.tat]);
      else {
        refused = true;
        refusedRetry = Math.max(refusedRetry, r.retryAfterMs);
      }
      const state = { limit: lim.limit, remaining: r.remaining, resetMs: r.resetMs };
      // Report the tightest rule of each dimension, like a single OpenAI limit would.
      if (dim === 'r' && (!req || state.remaining < req.remaining)) req = state;
      if (dim === 't' && (!tok || state.remaining < tok.remaining)) tok = state;
    };
    for (const rule of rules) {
      if (rule.rpm !== null && rule.rpm > 0)
        consider(`${rule.subject}|r`, 1, { limit: rule.rpm, windowMs: MINUTE }, 'r');
      if (rule.tpm !== null && rule.tpm > 0)
        consider(`${rule.subject}|t`, Math.max(0, tokens), { limit: rule.tpm, windowMs: MINUTE }, 't');
    }
    if (!refused) for (const [k, v] of updates) this.tat.set(k, v);
    const retryAfterSeconds = refused
      ? Number.isFinite(refusedRetry)
        ? Math.max(1, Math.ceil(refusedRetry / 1000))
        : 60
      : 0;
    return { allowed: !refused, retryAfterSeconds, headers: rateLimitHeaders(req, tok) };
  }

  adjustTokens(rules: readonly RateLimitRule[], delta: number, nowMs: number): void {
    if (delta === 0) return;
    for (const rule of rules) {
      if (rule.tpm === null || rule.tpm <= 0) continue;
      const key = `${rule.subject}|t`;
      this.tat.set(key, adjustTat(this.tat.get(key), delta, { limit: rule.tpm, windowMs: MINUTE }, nowMs));
    }
  }

  /** Subjects currently tracked (tests: memory stays bounded). */
  size(): number {
    return this.tat.size;
  }

  /** Drop every subject whose bucket is full again (TAT in the past): it holds no state. */
  sweep(nowMs: number): void {
    for (const [k, v] of this.tat) if (v <= nowMs) this.tat.delete(k);
  }

  private maybeSweep(nowMs: number): void {
    if (++this.ops % this.sweepEvery === 0 || this.tat.size >= this.maxEntries) this.sweep(nowMs);
  }
}
