import { describe, expect, it } from 'vitest';
import { TransactionSizer } from './transaction-sizer.js';

describe('TransactionSizer', () => {
  it('halves after a slow transaction, doubles after a fast full one, within [minRows, maxRows]', () => {
    const s = new TransactionSizer(2000, 4, 64);
    expect(s.rows).toBe(256);
    s.observe(256, 9);
    expect(s.rows).toBe(128);
    s.observe(128, 3); // between half and the target: keep
    expect(s.rows).toBe(128);
    s.observe(128, 1);
    expect(s.rows).toBe(256);
    for (let i = 0; i < 10; i++) s.observe(s.rows, 0.5);
    expect(s.rows).toBe(2000);
    for (let i = 0; i < 20; i++) s.observe(s.rows, 50);
    expect(s.rows).toBe(64);
  });

  it('does not grow on a short tail (fewer rows than asked)', () => {
    const s = new TransactionSizer(2000, 4);
    s.observe(10, 0.1);
    expect(s.rows).toBe(256);
  });

  it('never exceeds a small maxRows', () => {
    const s = new TransactionSizer(8, 4);
    expect(s.rows).toBe(8);
    s.observe(8, 100);
    expect(s.rows).toBe(8);
  });
});
