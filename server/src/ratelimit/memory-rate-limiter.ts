// The in-process RateLimiter: GCRA state per (subject, requests|tokens) in a Map. A check counts
// against every rule or none (all-or-nothing). Idle subjects — whose bucket is full again — carry
// no information and are evicted, so memory stays bounded by the number of active subjects. Each
// state remembers the limit it was counted under, so a limit changed by an operator keeps the usage.
import { adjustTat, gcra, rescaleTat, type GcraLimit, type GcraResult } from './gcra.js';
import { rateLimitHeaders, type DimensionState } from './headers.js';
import type { RateLimitDecision, RateLimitRule, RateLimiter } from './ports.js';

const MINUTE = 60_000;

interface Bucket {
  tat: number;
  limit: number;
}

export interface MemoryRateLimiterOptions {
  /** Evict idle subjects once the map holds this many entries (and every sweepEvery checks). */
  maxEntries?: number;
  sweepEvery?: number;
}

export class MemoryRateLimiter implements RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private ops = 0;
  private readonly maxEntries: number;
  private readonly sweepEvery: number;

  constructor(opts: MemoryRateLimiterOptions = {}) {
    this.maxEntries = opts.maxEntries ?? 100_000;
    this.sweepEvery = opts.sweepEvery ?? 10_000;
  }

  check(rules: readonly RateLimitRule[], tokens: number, nowMs: number): RateLimitDecision {
    this.maybeSweep(nowMs);
    // Allowed updates as flat (key, tat, limit) triples, stored only if every rule allows.
    const updates: (string | number)[] = [];
    let req: DimensionState | null = null;
    let tok: DimensionState | null = null;
    let refusedRetry = 0;
    let refused = false;
    const consider = (key: string, cost: number, lim: GcraLimit, dim: 'r' | 't') => {
      const r: GcraResult = gcra(this.tatOf(key, lim, nowMs), cost, lim, nowMs);
      if (r.allowed) updates.push(key, r.tat, lim.limit);
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
    if (!refused)
      for (let i = 0; i < updates.length; i += 3)
        this.store(updates[i] as string, updates[i + 1] as number, updates[i + 2] as number);
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
      const lim = { limit: rule.tpm, windowMs: MINUTE };
      this.store(key, adjustTat(this.tatOf(key, lim, nowMs), delta, lim, nowMs), lim.limit);
    }
  }

  /** Record a subject's bucket, reusing its object (no allocation per call in the steady state). */
  private store(key: string, tat: number, limit: number): void {
    const b = this.buckets.get(key);
    if (b) {
      b.tat = tat;
      b.limit = limit;
    } else this.buckets.set(key, { tat, limit });
  }

  /** The stored TAT under `limit` (rescaled when the rule's limit changed since it was stored). */
  private tatOf(key: string, lim: GcraLimit, nowMs: number): number | undefined {
    const b = this.buckets.get(key);
    return b && rescaleTat(b.tat, b.limit, lim, nowMs);
  }

  /** Subjects currently tracked (tests: memory stays bounded). */
  size(): number {
    return this.buckets.size;
  }

  /** Drop every subject whose bucket is full again (TAT in the past): it holds no state. */
  sweep(nowMs: number): void {
    for (const [k, v] of this.buckets) if (v.tat <= nowMs) this.buckets.delete(k);
  }

  private maybeSweep(nowMs: number): void {
    if (++this.ops % this.sweepEvery === 0 || this.buckets.size >= this.maxEntries) this.sweep(nowMs);
  }
}
