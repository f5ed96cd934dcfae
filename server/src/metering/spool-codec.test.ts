import { describe, expect, it } from 'vitest';
import { contentHash } from './content-hash.js';
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
      hash: 'not read by the encoder',
    };
    const line = encodeSpoolLine(p);
    expect(line.endsWith('\n')).toBe(true);
    const back = decodeSpoolLine(line.trimEnd())!;
    const { hash: _, ...fields } = p;
    expect({ ...fields }).toEqual({
      event: back.event,
      cost: back.cost,
      priceId: back.priceId,
      multiplierPpm: back.multiplierPpm,
      attribution: back.attribution,
    });
    // The hash is not in the line: the reader computes it from the event.
    expect(line).not.toContain('not read by the encoder');
    expect(back.hash).toBe(contentHash(p.event));
  });

  it('keeps the hash of a line written with one (spools left by an earlier version)', () => {
    const p: PreparedEvent = {
      event: usageEvent(),
      cost: 1n,
      priceId: null,
      multiplierPpm: null,
      attribution: null,
      hash: 'x',
    };
    const old = encodeSpoolLine(p).trimEnd().replace(/}$/, ',"h":"stored-hash"}');
    expect(decodeSpoolLine(old)!.hash).toBe('stored-hash');
    expect(decodeSpoolLine(encodeSpoolLine(p).trimEnd())!.hash).toBe(contentHash(p.event));
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
