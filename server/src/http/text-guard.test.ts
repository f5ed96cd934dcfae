import { describe, expect, it } from 'vitest';
import { findBadText, textProblem } from './text-guard.js';

describe('textProblem', () => {
  it('passes ordinary text, emoji (surrogate pairs) and the replacement character', () => {
    for (const s of ['', 'plain', 'ünïcødé 名前', '😀 and 👍🏽', '\ufffd', '\t\r\n'])
      expect(textProblem(s), JSON.stringify(s)).toBeNull();
  });
  it('names NUL anywhere in the string', () => {
    for (const s of ['\u0000', 'a\u0000', '\u0000b', '😀\u0000']) expect(textProblem(s)).toMatch(/NUL/);
  });
  it('names lone high and low surrogates, at either end or in the middle', () => {
    for (const s of ['\ud800', 'a\ud83d', '\ude00b', 'a\ude00\ud83d', '😀\ud800'])
      expect(textProblem(s), JSON.stringify(s)).toMatch(/lone surrogate/);
  });
});

describe('findBadText', () => {
  it('finds the path of a bad string or key in nested objects and arrays', () => {
    expect(findBadText({ a: 'ok', b: [{ c: 'x\u0000' }] }, '')?.[0]).toBe('b.0.c');
    expect(findBadText({ s: { 'k\u0000': 1 } }, '')).toEqual(['s.k\\u0000', expect.stringMatching(/^keys .*NUL/)]);
    expect(findBadText('\ud800', '')?.[0]).toBe('');
    expect(findBadText({ a: [1, true, null, 'fine'] }, '')).toBeNull();
  });
  it('walks a body nested thousands of levels deep without recursion', () => {
    let deep: unknown = 'x\u0000';
    for (let i = 0; i < 20_000; i++) deep = { a: [deep] };
    expect(findBadText(deep, '')?.[1]).toMatch(/NUL/);
  });
});
