import { describe, expect, it } from 'vitest';
import { formatPath, interpolateString, interpolateTree } from './interpolate-env.js';

describe('interpolateString', () => {
  const env = { KEY: 'sk-123', EMPTY: '' };

  it('replaces ${VAR}, several per string', () => {
    expect(interpolateString('Bearer ${KEY}/${KEY}', env)).toEqual({ ok: true, value: 'Bearer sk-123/sk-123' });
  });

  it('uses ${VAR:-default} when the variable is unset or empty', () => {
    expect(interpolateString('${MISSING:-http://localhost:11434/v1}', env)).toEqual({
      ok: true,
      value: 'http://localhost:11434/v1',
    });
    expect(interpolateString('${EMPTY:-fallback}', env)).toEqual({ ok: true, value: 'fallback' });
    expect(interpolateString('${KEY:-fallback}', env)).toEqual({ ok: true, value: 'sk-123' });
    expect(interpolateString('${MISSING:-}', env)).toEqual({ ok: true, value: '' });
  });

  it('a missing variable without a default is an error naming it', () => {
    const r = interpolateString('${OPENAI_API_KEY}', env);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.message).toMatch(/OPENAI_API_KEY is not set/);
  });

  it('rejects a malformed reference and keeps $${ as a literal ${', () => {
    expect(interpolateString('${1BAD}', env).ok).toBe(false);
    expect(interpolateString('price: $${NOT_A_VAR}', env)).toEqual({ ok: true, value: 'price: ${NOT_A_VAR}' });
    expect(interpolateString('no refs, $5', env)).toEqual({ ok: true, value: 'no refs, $5' });
  });

  it("reads LiteLLM's os.environ/VAR the same as ${VAR}", () => {
    expect(interpolateString('os.environ/KEY', env)).toEqual({ ok: true, value: 'sk-123' });
    const r = interpolateString('os.environ/OPENAI_API_KEY', env);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.message).toMatch(/OPENAI_API_KEY is not set/);
    expect(interpolateString('os.environ/EMPTY', env).ok).toBe(false);
    expect(interpolateString('os.environ/1BAD', env).ok).toBe(false);
    // only a whole value is a reference
    expect(interpolateString('see os.environ/KEY', env)).toEqual({ ok: true, value: 'see os.environ/KEY' });
  });
});

describe('interpolateTree', () => {
  it('interpolates nested strings only and reports every problem with its path', () => {
    const tree = { providers: [{ id: 'x', api_key: '${A}', n: 3, extra: { h: '${B}' } }], ok: '${C:-c}' };
    const { value, problems } = interpolateTree(tree, {});
    expect((value as { ok: string }).ok).toBe('c');
    expect(problems.map((p) => formatPath(p.path))).toEqual(['providers[0].api_key', 'providers[0].extra.h']);
  });
});
