import { describe, expect, it } from 'vitest';
import { contentHash, stableStringify } from './content-hash.js';
import { usageEvent } from '../../test/metering/support.js';

describe('contentHash', () => {
  const e = usageEvent({ requestId: 'req_1', metadata: { a: 1, b: [1, { y: 2, x: 1 }] } });

  it('ignores the source and arrival timestamps (honest replays hash equally)', () => {
    expect(contentHash({ ...e, source: 'http', startedAt: 1, endedAt: 2 })).toBe(contentHash(e));
  });

  it('ignores metadata key order', () => {
    expect(contentHash({ ...e, metadata: { b: [1, { x: 1, y: 2 }], a: 1 } })).toBe(contentHash(e));
    expect(stableStringify({ b: 1, a: { d: 2, c: 1 } })).toBe('{"a":{"c":1,"d":2},"b":1}');
  });

  it('changes with any billed content', () => {
    const variants = [
      { completionTokens: e.completionTokens + 1 },
      { cost: '5' },
      { model: 'other' },
      { userId: 'usr_b' },
      { status: 'error' as const },
      { metadata: null },
    ];
    for (const v of variants) expect(contentHash({ ...e, ...v })).not.toBe(contentHash(e));
  });
});
