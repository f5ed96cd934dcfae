// Pure: the "changes" of an audit entry — which fields differ between before and after, and how.
// Secrets never belong in an audit entry; fields named like secrets are masked.

export type Changes = Record<string, { from: unknown; to: unknown }>;

const SECRET_FIELD = /password|secret|token|hash/i;

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

const mask = (field: string, v: unknown): unknown => (SECRET_FIELD.test(field) && v != null ? '[redacted]' : v);

/** Field-by-field diff; a missing side is `null` (creation: before = null; deletion: after = null). */
export function diffChanges(
  before: Record<string, unknown> | null | undefined,
  after: Record<string, unknown> | null | undefined,
): Changes {
  const out: Changes = {};
  const keys = new Set([...Object.keys(before ?? {}), ...Object.keys(after ?? {})]);
  for (const k of keys) {
    const from = before?.[k] ?? null;
    const to = after?.[k] ?? null;
    if (!same(from, to)) out[k] = { from: mask(k, from), to: mask(k, to) };
  }
  return out;
}

/** JSON-safe copy (bigint → string) so any service object can be audited. */
export function jsonSafe(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)));
}
