import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonTextDeeperThan, nestedDeeperThan } from './json-depth.js';

const nest = (levels: number): unknown => JSON.parse(`${'{"a":['.repeat(levels)}1${']}'.repeat(levels)}`);

describe('nestedDeeperThan', () => {
  it('counts objects and arrays as levels; scalars add none', () => {
    expect(nestedDeeperThan(1, 0)).toBe(false);
    expect(nestedDeeperThan('x', 0)).toBe(false);
    expect(nestedDeeperThan(null, 0)).toBe(false);
    expect(nestedDeeperThan({}, 0)).toBe(true);
    expect(nestedDeeperThan({ a: [1] }, 2)).toBe(false);
    expect(nestedDeeperThan({ a: [1] }, 1)).toBe(true);
    expect(nestedDeeperThan([1, [2, [3]]], 3)).toBe(false);
    expect(nestedDeeperThan([1, [2, [3]]], 2)).toBe(true);
  });

  it('finds the deep branch among shallow ones', () => {
    expect(nestedDeeperThan({ x: 1, y: [1, 2], z: nest(40) }, 64)).toBe(true);
    expect(nestedDeeperThan({ x: 1, y: [1, 2], z: nest(20) }, 64)).toBe(false);
  });

  it('measures values far deeper than JSON.stringify can serialise, without recursion', () => {
    const deep = nest(50_000);
    expect(() => JSON.stringify(deep)).toThrow(RangeError);
    expect(nestedDeeperThan(deep, 64)).toBe(true);
  });
});

describe('jsonTextDeeperThan', () => {
  const text = (levels: number) => `${'{"a":['.repeat(levels)}1${']}'.repeat(levels)}`;

  it('agrees with nestedDeeperThan on the parsed value', () => {
    for (const levels of [0, 1, 5, 31, 32, 33])
      for (const max of [0, 2, 10, 64, 66])
        expect(jsonTextDeeperThan(text(levels), max)).toBe(nestedDeeperThan(JSON.parse(text(levels)), max));
  });

  it('ignores brackets inside strings, escaped quotes included', () => {
    expect(jsonTextDeeperThan(JSON.stringify({ s: '[[[[{{{{' }), 1)).toBe(false);
    expect(jsonTextDeeperThan(JSON.stringify({ s: 'say \\"[[[[\\" ok', t: ['\\'] }), 2)).toBe(false);
    expect(jsonTextDeeperThan('{"s":"\\\\","t":[[[1]]]}', 3)).toBe(true);
  });

  it('agrees with nestedDeeperThan on random values whose strings are full of quotes, backslashes and brackets', () => {
    const nasty = fc.string({ unit: fc.constantFrom('"', '\\', '[', ']', '{', '}', 'a', ',', ':') });
    const value = fc.letrec((tie) => ({
      node: fc.oneof(
        { depthSize: 'small' },
        nasty,
        fc.integer(),
        fc.array(tie('node'), { maxLength: 3 }),
        fc.dictionary(nasty, tie('node'), { maxKeys: 3 }),
      ),
    })).node;
    fc.assert(
      fc.property(value, fc.integer({ min: 0, max: 6 }), (v, max) => {
        expect(jsonTextDeeperThan(JSON.stringify(v), max)).toBe(nestedDeeperThan(v, max));
      }),
    );
  });

  it('scans text far deeper than the stack allows', () => {
    expect(jsonTextDeeperThan(text(100_000), 64)).toBe(true);
  });
});
