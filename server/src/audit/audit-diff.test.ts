import { describe, expect, it } from 'vitest';
import { diffChanges, jsonSafe } from './audit-diff.js';

describe('audit diff', () => {
  it('lists only changed fields, with from/to', () => {
    expect(diffChanges({ a: 1, b: 'x', c: [1] }, { a: 1, b: 'y', c: [1, 2] })).toEqual({
      b: { from: 'x', to: 'y' },
      c: { from: [1], to: [1, 2] },
    });
  });

  it('treats a missing side as null (create / delete)', () => {
    expect(diffChanges(null, { name: 'A' })).toEqual({ name: { from: null, to: 'A' } });
    expect(diffChanges({ name: 'A' }, undefined)).toEqual({ name: { from: 'A', to: null } });
  });

  it('masks secret-looking fields', () => {
    expect(diffChanges({ password_hash: 'h1' }, { password_hash: 'h2' })).toEqual({
      password_hash: { from: '[redacted]', to: '[redacted]' },
    });
  });

  it('makes bigints JSON-safe', () => {
    expect(jsonSafe({ n: 5n })).toEqual({ n: '5' });
  });
});
