// One spool line per prepared event (JSON; bigints as decimal strings). Decoding re-validates the
// event: a spool file is stored data crossing a trust boundary (disk) like any other. It uses the
// cheap structural check (same acceptance as usageEventSchema): the writer thread decodes every
// event it writes, and a zod parse per event cost more than the event's database work. The content
// hash is not written: the reader computes it from the event (lines written before session 4 carry
// it as `h`, which is kept).
import type { ScopeRef, SpendAttribution } from '../budgets/ports.js';
import { LazyHashEvent, type PreparedEvent } from './prepared-event.js';
import { checkUsageEvent } from './usage-event-check.js';

interface SpoolLine {
  e: unknown;
  c: string;
  p: string | null;
  m: string | null;
  a: { scopes: (Omit<ScopeRef, 'limit'> & { limit?: string })[]; leases: Record<string, string> } | null;
  h?: string;
}

export function encodeSpoolLine(p: PreparedEvent): string {
  const line: SpoolLine = {
    e: p.event,
    c: p.cost.toString(),
    p: p.priceId,
    m: p.multiplierPpm === null ? null : p.multiplierPpm.toString(),
    a: p.attribution
      ? {
          scopes: p.attribution.scopes.map((s) => {
            const { limit, ...rest } = s;
            return limit !== undefined ? { ...rest, limit: limit.toString() } : rest;
          }),
          leases: p.attribution.leases,
        }
      : null,
  };
  return JSON.stringify(line) + '\n';
}

/** null for a line that cannot be read (a torn write is never an acknowledged event). */
export function decodeSpoolLine(text: string): PreparedEvent | null {
  try {
    const line = JSON.parse(text) as SpoolLine;
    const checked = checkUsageEvent(line.e);
    if (!checked.ok) return null;
    const event = checked.value;
    const attribution: SpendAttribution | null = line.a
      ? {
          scopes: line.a.scopes.map((s) => {
            const { limit, ...rest } = s;
            return limit !== undefined ? { ...rest, limit: BigInt(limit) } : rest;
          }),
          leases: line.a.leases,
        }
      : null;
    return new LazyHashEvent(
      event,
      BigInt(line.c),
      line.p,
      line.m === null ? null : BigInt(line.m),
      attribution,
      typeof line.h === 'string' ? line.h : undefined,
    );
  } catch {
    return null;
  }
}
