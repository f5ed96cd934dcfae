// The cheap structural check of a usage event on the accept path. It accepts exactly what
// `usageEventSchema` (ports.ts) accepts — a property test holds the two together — but costs a few
// dozen comparisons instead of a zod parse and a deep copy per event. External input is already
// validated at its own boundary (the log-usage route schema, the queue message schema); this is
// the backstop that keeps a malformed event from ever reaching the spool or the database.
import { AppError, err, ok, type Result } from '../shared/errors.js';
import type { UsageEvent } from './ports.js';

const SOURCES = new Set(['gateway', 'http', 'queue']);
const STATUSES = new Set(['success', 'error', 'cancelled', 'incomplete']);
const USAGE_SOURCES = new Set(['provider', 'estimated']);
const DIGITS = /^\d+$/;
// Field lists as constants: the check runs per event and must not allocate.
const OPTIONAL_IDS = ['userId', 'keyId', 'provider', 'deploymentId'] as const;
const SHORT_TAGS = ['agent', 'conversationId', 'project'] as const;
const COUNTS = ['promptTokens', 'completionTokens'] as const;
const DEFAULTED_COUNTS = ['cachedTokens', 'cacheWriteTokens', 'reasoningTokens'] as const;
const DURATIONS = ['latencyMs', 'ttftMs'] as const;
const INSTANTS = ['startedAt', 'endedAt'] as const;

const str = (v: unknown, min: number, max: number): boolean =>
  typeof v === 'string' && v.length >= min && v.length <= max;
const optStr = (v: unknown, max: number): boolean => v === null || (typeof v === 'string' && v.length <= max);
const count = (v: unknown): boolean => Number.isSafeInteger(v) && (v as number) >= 0;
const optCount = (v: unknown): boolean => v === null || count(v);
const nano = (v: unknown): boolean => typeof v === 'string' && DIGITS.test(v);

/** The first field that breaks the schema, with why; null when the event is well-formed. */
function problemOf(e: Record<string, unknown>): [string, string] | null {
  if (!str(e['requestId'], 1, 200)) return ['requestId', 'a string of 1 to 200 characters'];
  if (!SOURCES.has(e['source'] as string)) return ['source', 'gateway | http | queue'];
  if (!str(e['tenantId'], 1, Infinity)) return ['tenantId', 'a non-empty string'];
  for (const f of OPTIONAL_IDS) if (!optStr(e[f], Infinity)) return [f, 'a string or null'];
  for (const f of SHORT_TAGS) if (!optStr(e[f], 200)) return [f, 'a string of at most 200 characters or null'];
  if (!optStr(e['conversationTitle'], 500)) return ['conversationTitle', 'a string of at most 500 characters or null'];
  if (!str(e['model'], 1, Infinity)) return ['model', 'a non-empty string'];
  for (const f of COUNTS) if (!count(e[f])) return [f, 'a non-negative integer'];
  for (const f of DEFAULTED_COUNTS) if (e[f] !== undefined && !count(e[f])) return [f, 'a non-negative integer'];
  if (!USAGE_SOURCES.has(e['usageSource'] as string)) return ['usageSource', 'provider | estimated'];
  if (e['cost'] !== null && !nano(e['cost'])) return ['cost', 'a decimal integer string (nano-units) or null'];
  const pc = e['providerCost'];
  if (pc !== undefined && pc !== null && !nano(pc)) return ['providerCost', 'a decimal integer string or null'];
  for (const f of DURATIONS) if (!optCount(e[f])) return [f, 'a non-negative integer or null'];
  if (!STATUSES.has(e['status'] as string)) return ['status', 'success | error | cancelled | incomplete'];
  if (typeof e['stream'] !== 'boolean') return ['stream', 'a boolean'];
  for (const f of INSTANTS) if (!Number.isSafeInteger(e[f])) return [f, 'an integer'];
  const m = e['metadata'];
  if (m !== null && (typeof m !== 'object' || Array.isArray(m))) return ['metadata', 'an object or null'];
  return null;
}

/**
 * Check an event; fills the schema's defaults (optional token counts → 0, providerCost → null) in a
 * copy only when one is missing, so the common, complete event is passed through without copying.
 */
export function checkUsageEvent(input: unknown): Result<UsageEvent> {
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    return err(new AppError('validation_error', 'event: must be an object', { field: 'event' }));
  const e = input as Record<string, unknown>;
  const problem = problemOf(e);
  if (problem) {
    const [field, want] = problem;
    return err(new AppError('validation_error', `${field}: must be ${want}`, { field }));
  }
  if (e['endedAt']! < e['startedAt']!)
    return err(new AppError('validation_error', 'endedAt: must not be before startedAt', { field: 'endedAt' }));
  if (
    e['cachedTokens'] === undefined ||
    e['cacheWriteTokens'] === undefined ||
    e['reasoningTokens'] === undefined ||
    e['providerCost'] === undefined
  ) {
    return ok({
      ...(e as unknown as UsageEvent),
      cachedTokens: (e['cachedTokens'] as number | undefined) ?? 0,
      cacheWriteTokens: (e['cacheWriteTokens'] as number | undefined) ?? 0,
      reasoningTokens: (e['reasoningTokens'] as number | undefined) ?? 0,
      providerCost: (e['providerCost'] as string | null | undefined) ?? null,
    });
  }
  return ok(e as unknown as UsageEvent);
}
