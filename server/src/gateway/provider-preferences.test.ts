import { describe, expect, it } from 'vitest';
import type { GatewayCaller } from '../identity/ports.js';
import { preferencesFor } from './provider-preferences.js';

const callerWith = (settings: Record<string, unknown>) => ({ tenant: { settings } }) as unknown as GatewayCaller;

describe('preferencesFor', () => {
  it('has none when neither the tenant nor the request sets any', () => {
    expect(preferencesFor(callerWith({}), undefined)).toEqual({ ok: true, value: null });
    expect(preferencesFor(callerWith({}), null)).toEqual({ ok: true, value: null });
  });

  it("uses the tenant's standing preferences, ignoring a malformed setting", () => {
    const caller = callerWith({ provider: { order: ['b'], only: ['a', 'b'] } });
    expect(preferencesFor(caller, undefined)).toEqual({ ok: true, value: { order: ['b'], only: ['a', 'b'] } });
    expect(preferencesFor(callerWith({ provider: { order: 'b' } }), undefined)).toEqual({ ok: true, value: null });
  });

  it('lets a request narrow but not widen the tenant’s only/ignore', () => {
    const caller = callerWith({ provider: { only: ['a', 'b'], ignore: ['c'] } });
    const r = preferencesFor(caller, { only: ['b', 'z'], ignore: ['a'], allow_fallbacks: false });
    expect(r).toEqual({ ok: true, value: { only: ['b'], ignore: ['c', 'a'], allow_fallbacks: false } });
  });

  it('names the bad field of a request’s provider object', () => {
    const cases: [unknown, string][] = [
      [{ order: 'a' }, 'provider.order'],
      [{ only: [1] }, 'provider.only.0'],
      [{ sort: 'fastest' }, 'provider.sort'],
      [{ allow_fallbacks: 'no' }, 'provider.allow_fallbacks'],
      ['openai', 'provider'],
    ];
    for (const [requested, param] of cases) {
      const r = preferencesFor(callerWith({}), requested);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error).toMatchObject({ status: 400, code: 'invalid_value', param });
    }
  });
});
