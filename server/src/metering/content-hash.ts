// The content hash that tells a replay (same request id, same content: a duplicate, counted once)
// from a conflict (same id, different content: rejected and logged, never charged twice).
// It deliberately leaves out what differs between honest replays of one call: the source that
// reported it and the receive-time stamps (seed 003 has no timestamps; we stamp arrival time).
import { hash } from 'node:crypto';
import type { UsageEvent } from './ports.js';

/** JSON with object keys sorted, so equal metadata hashes equally whatever its key order. */
export function stableStringify(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableStringify(v)}`).join(',')}}`;
}

export function contentHash(e: UsageEvent): string {
  // A fixed field order (an array, not an object) keeps the hash independent of how the event
  // object was built.
  const parts = [
    e.requestId,
    e.tenantId,
    e.userId,
    e.keyId,
    e.agent,
    e.conversationId,
    e.conversationTitle,
    e.project,
    e.provider,
    e.deploymentId,
    e.model,
    e.promptTokens,
    e.completionTokens,
    e.cachedTokens,
    e.cacheWriteTokens,
    e.reasoningTokens,
    e.usageSource,
    e.cost,
    e.providerCost,
    e.latencyMs,
    e.ttftMs,
    e.status,
    e.stream,
    e.metadata === null ? null : stableStringify(e.metadata),
  ];
  // One-shot crypto.hash: no Hash object per event on the hot path.
  return hash('sha256', JSON.stringify(parts), 'base64url');
}
