import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SLUG_PATTERN, slugCandidate, slugify } from './slug.js';

describe('slugs', () => {
  it('derives readable slugs from names', () => {
    expect(slugify('Acme Widgets')).toBe('acme-widgets');
    expect(slugify('Müller & Söhne GmbH')).toBe('muller-sohne-gmbh');
    expect(slugify('  --Hello__World--  ')).toBe('hello-world');
    expect(slugify('日本')).toBe('tenant');
  });

  it('numbers alternatives within the length limit', () => {
    expect(slugCandidate('acme', 1)).toBe('acme');
    expect(slugCandidate('acme', 2)).toBe('acme-2');
    const long = slugify('x'.repeat(100));
    expect(slugCandidate(long, 12).length).toBeLessThanOrEqual(48);
    expect(slugCandidate(long, 12).endsWith('-12')).toBe(true);
  });

  it('always yields a valid slug', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 120 }), fc.integer({ min: 1, max: 9_999_999 }), (name, n) => {
        expect(slugify(name)).toMatch(SLUG_PATTERN);
        expect(slugCandidate(slugify(name), n)).toMatch(SLUG_PATTERN);
      }),
    );
  });
});
