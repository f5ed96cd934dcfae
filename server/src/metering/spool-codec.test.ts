import { describe, expect, it } from 'vitest';
import { decodeSpoolLine, encodeSpoolLine } from './spool-codec.js';
import type { PreparedEvent } from './prepared-event.js';
import { usageEvent } from '../../test/metering/support.js';

describe('spool codec', () => {
  it('round-trips a prepared event, bigints included', () => {
    const p: PreparedEvent = {
      event: usageEvent({ metadata: { k: 'v' } }),
      cost: 9_007_199_254_740_993n,
      priceId: 'prc_1',
      multiplierPpm: 1_250_000n,
      attribution: {
        scopes: [
          { kind: 'key', id: 'key_a', limit: 2n ** 60n, period: 'monthly' },
          { kind: 'wallet', id: 'ten_a' },
        ],
        leases: { 'key:key_a': 'lea_1' },
      },
      hash: 'abc',
    };
    const line = encodeSpoolLine(p);
    expect(line.endsWith('\n')).toBe(true);
    expect(decodeSpoolLine(line.trimEnd())).toEqual(p);
  });

  it('returns null for a torn or tampered line instead of throwing', () => {
    const line = encodeSpoolLine({
      event: usageEvent(),
      cost: 1n,
      priceId: null,
      multiplierPpm: null,
      attribution: null,
      hash: 'h',
    });
    expect(decodeSpoolLine(line.slice(0, 40))).toBeNull();
    expect(decodeSpoolLine(line.replace('"promptTokens":1000', '"promptTokens":-1'))).toBeNull();
  });
});
