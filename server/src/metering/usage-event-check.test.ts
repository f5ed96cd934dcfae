// The cheap structural check must accept exactly what the zod schema accepts (and yield the same
// value): random events, with random fields replaced by random (often wrong-typed) values.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { usageEvent } from '../../test/metering/support.js';
import { usageEventSchema } from './ports.js';
import { checkUsageEvent } from './usage-event-check.js';

const FIELDS = Object.keys(usageEvent()) as (keyof ReturnType<typeof usageEvent>)[];

const oddValue = fc.oneof(
  fc.constant(undefined),
  fc.constant(null),
  fc.constant(''),
  fc.string({ maxLength: 3 }),
  fc.string({ minLength: 199, maxLength: 202 }),
  fc.string({ minLength: 499, maxLength: 502 }),
  fc.constantFrom('gateway', 'http', 'queue', 'provider', 'estimated', 'success', 'cancelled', 'x'),
  fc.constantFrom('0', '123', '-1', '1.5', '12a', ' 1'),
  fc.integer({ min: -5, max: 5 }),
  fc.constantFrom(1.5, Number.NaN, Infinity, 2 ** 53, -(2 ** 53), Number.MAX_SAFE_INTEGER),
  fc.boolean(),
  fc.constant([]),
  fc.constant({}),
  fc.dictionary(fc.string({ maxLength: 3 }), fc.integer()),
);

describe('checkUsageEvent', () => {
  it('agrees with usageEventSchema on random events (accept/reject and the value)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom(...FIELDS), oddValue), { maxLength: 3 }),
        fc.integer({ min: 0, max: 10_000 }),
        fc.integer({ min: 0, max: 10_000 }),
        (changes, startedAt, duration) => {
          const e: Record<string, unknown> = { ...usageEvent(), startedAt, endedAt: startedAt + duration };
          for (const [field, value] of changes) {
            if (value === undefined) delete e[field];
            else e[field] = value;
          }
          const zod = usageEventSchema.safeParse(e);
          const zodOk = zod.success && zod.data.endedAt >= zod.data.startedAt;
          const ours = checkUsageEvent(e);
          expect(ours.ok, JSON.stringify(changes)).toBe(zodOk);
          if (ours.ok && zod.success) expect(ours.value).toEqual(zod.data);
          if (!ours.ok) expect(ours.error.code).toBe('validation_error');
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('passes a complete event through without copying, fills defaults in a copy', () => {
    const e = usageEvent();
    const r = checkUsageEvent(e);
    expect(r.ok && r.value).toBe(e);
    const { cachedTokens: _c, providerCost: _p, ...partial } = e;
    const filled = checkUsageEvent(partial);
    expect(filled.ok && filled.value).toMatchObject({ cachedTokens: 0, providerCost: null });
    expect(partial).not.toHaveProperty('cachedTokens');
  });

  it('names the field at fault', () => {
    const r = checkUsageEvent({ ...usageEvent(), promptTokens: -1 });
    expect(r.ok ? null : r.error.details).toEqual({ field: 'promptTokens' });
    const t = checkUsageEvent({ ...usageEvent(), startedAt: 10, endedAt: 9 });
    expect(t.ok ? null : t.error.details).toEqual({ field: 'endedAt' });
    expect(checkUsageEvent(null).ok).toBe(false);
    expect(checkUsageEvent([]).ok).toBe(false);
  });
});
