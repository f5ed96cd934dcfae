import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../config/config.js';
import { CatalogFileError, loadCatalogFile, parseCatalogFile } from './config-file.js';

const GOOD = `
providers:
  - id: openai-main
    type: openai
    base_url: https://api.openai.com/v1
    api_key: \${OPENAI_API_KEY}
  - id: demo
    type: echo
models:
  - name: gpt-4o-mini
    deployments:
      - provider: openai-main
        model: gpt-4o-mini
        priority: 1
        weight: 1
    pricing: { input_per_mtok: "0.15", output_per_mtok: "0.60", cached_input_per_mtok: "0.075" }
  - name: echo
    free: true
    kinds: [chat, embeddings]
    routing: { strategy: weighted }
    deployments:
      - { provider: demo, model: echo-1, max_output_tokens: 4096, timeout_ms: 5000 }
routing: { strategy: priority }
`;

function problemOf(text: string, env: Record<string, string> = {}): CatalogFileError {
  try {
    parseCatalogFile(text, 'tollgate.yaml', env);
  } catch (e) {
    expect(e).toBeInstanceOf(CatalogFileError);
    return e as CatalogFileError;
  }
  throw new Error('expected the file to be rejected');
}

describe('parseCatalogFile', () => {
  it('parses the documented shape with interpolation and defaults', () => {
    const f = parseCatalogFile(GOOD, 'tollgate.yaml', { OPENAI_API_KEY: 'sk-test-1234567890' });
    expect(f.providers[0]).toMatchObject({ id: 'openai-main', type: 'openai', api_key: 'sk-test-1234567890' });
    expect(f.models[0]!.pricing).toEqual({
      input_per_mtok: '0.15',
      output_per_mtok: '0.60',
      cached_input_per_mtok: '0.075',
    });
    expect(f.models[0]!.kinds).toEqual(['chat']);
    expect(f.models[0]!.deployments[0]).toMatchObject({ weight: 1, status: 'active' });
    expect(f.models[1]).toMatchObject({ free: true, kinds: ['chat', 'embeddings'], routing: { strategy: 'weighted' } });
    expect(f.models[1]!.deployments[0]).toMatchObject({ max_output_tokens: 4096, timeout_ms: 5000 });
    expect(f.routing).toEqual({ strategy: 'priority' });
  });

  it('an empty file is an empty catalog', () => {
    expect(parseCatalogFile('', 'x.yaml', {})).toEqual({ providers: [], models: [] });
  });

  it('reads an unquoted YAML number price as its decimal text', () => {
    const f = parseCatalogFile(
      'models:\n  - name: m\n    pricing: { input_per_mtok: 0.15, output_per_mtok: 2 }\n',
      'x.yaml',
      {},
    );
    expect(f.models[0]!.pricing).toMatchObject({ input_per_mtok: '0.15', output_per_mtok: '2' });
    // YAML writes small numbers in exponent form too: still an exact decimal
    const tiny = parseCatalogFile(
      'models:\n  - name: m\n    pricing: { input_per_mtok: 1e-7, output_per_mtok: 2.5E-3 }\n',
      'x.yaml',
      {},
    );
    expect(tiny.models[0]!.pricing).toMatchObject({ input_per_mtok: '0.0000001', output_per_mtok: '0.0025' });
  });

  it('a missing env var names the file, the path, the line and the variable', () => {
    const e = problemOf(GOOD);
    expect(e.message).toContain(
      'tollgate.yaml: providers[0].api_key (line 6): environment variable OPENAI_API_KEY is not set',
    );
    expect(e).toBeInstanceOf(ConfigError);
  });

  it('a LiteLLM-style os.environ/VAR reference is read from the environment, and names the line when missing', () => {
    const litellm = GOOD.replace('${OPENAI_API_KEY}', 'os.environ/OPENAI_API_KEY');
    const f = parseCatalogFile(litellm, 'tollgate.yaml', { OPENAI_API_KEY: 'sk-test-1234567890' });
    expect(f.providers[0]!.api_key).toBe('sk-test-1234567890');
    expect(problemOf(litellm).message).toContain(
      'tollgate.yaml: providers[0].api_key (line 6): environment variable OPENAI_API_KEY is not set',
    );
  });

  it('${VAR:-default} avoids the error', () => {
    const f = parseCatalogFile(GOOD.replace('${OPENAI_API_KEY}', '${OPENAI_API_KEY:-sk-none}'), 'tollgate.yaml', {});
    expect(f.providers[0]!.api_key).toBe('sk-none');
  });

  it('YAML syntax errors give the line', () => {
    const e = problemOf('providers:\n  - id: a\n   type: [openai\n');
    expect(e.message).toMatch(/tollgate\.yaml: \(syntax\) \(line \d+\)/);
  });

  it('schema errors name the path in the file and the problem', () => {
    const cases: [string, RegExp][] = [
      ['providers:\n  - id: x\n    type: cohere\n', /providers\[0\]\.type \(line 3\): Invalid option/],
      [
        'providers:\n  - id: x\n    type: openai\n    base_url: file:///etc/passwd\n',
        /providers\[0\]\.base_url \(line 4\): must be an http:\/\/ or https:\/\/ URL/,
      ],
      ['providers:\n  - id: x\n    type: azure-openai\n', /providers\[0\]\.base_url.*is required for azure-openai/],
      ['providers:\n  - id: x\n    type: openai\n    api_kye: k\n', /providers\[0\].*api_kye/],
      [
        'models:\n  - name: m\n    deployments:\n      - provider: p\n        model: u\n        weight: -1\n',
        /models\[0\]\.deployments\[0\]\.weight \(line 6\)/,
      ],
      [
        'models:\n  - name: m\n    pricing: { input_per_mtok: "abc", output_per_mtok: "1" }\n',
        /models\[0\]\.pricing\.input_per_mtok.*non-negative decimal/,
      ],
      [
        // beyond what a 64-bit nano column holds: refused here, not a database error at start-up
        'models:\n  - name: m\n    pricing: { input_per_mtok: "99999999999", output_per_mtok: "1" }\n',
        /models\[0\]\.pricing\.input_per_mtok \(line 3\): must be a non-negative decimal below 1000000000/,
      ],
      [
        'models:\n  - name: m\n    pricing: { input_per_mtok: 1, output_per_mtok: 1.0000000001 }\n',
        /models\[0\]\.pricing\.output_per_mtok.*at most 9 fraction digits/,
      ],
      ['models:\n  - name: m\n  - name: m\n', /models\[1\]\.name \(line 3\): duplicate model name "m"/],
      [
        'providers:\n  - { id: a, type: echo }\n  - { id: a, type: echo }\n',
        /providers\[1\]\.id.*duplicate provider id "a"/,
      ],
      ['routing: { strategy: fastest }\n', /routing\.strategy/],
      ['- just\n- a list\n', /\(top level\)/],
    ];
    for (const [text, re] of cases) expect(problemOf(text).message).toMatch(re);
  });

  it('reports every problem at once', () => {
    const e = problemOf('providers:\n  - { id: a, type: nope }\n  - { id: b, type: openai, api_key: "${X}" }\n');
    expect(e.problems.length).toBe(1); // interpolation problems come first; fix them, then the schema
    const e2 = problemOf('providers:\n  - { id: a, type: nope }\n  - { id: "b c", type: openai }\n');
    expect(e2.problems.map((p) => p.path)).toEqual(['providers[0].type', 'providers[1].id']);
  });
});

describe('loadCatalogFile', () => {
  it('reads from disk and reports a missing file clearly', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tollgate-cfg-'));
    const file = join(dir, 'tollgate.yaml');
    writeFileSync(file, 'providers:\n  - { id: demo, type: echo }\n');
    expect(loadCatalogFile(file, {}).providers[0]!.id).toBe('demo');
    expect(() => loadCatalogFile(join(dir, 'nope.yaml'), {})).toThrow(/nope\.yaml: \(file\): file not found/);
  });
});

describe('tollgate.example.yaml', () => {
  it('is valid with an empty environment and covers every provider type', () => {
    const file = resolve(import.meta.dirname, '../../../tollgate.example.yaml');
    const f = loadCatalogFile(file, {});
    expect(new Set(f.providers.map((p) => p.type))).toEqual(
      new Set(['openai', 'anthropic', 'gemini', 'azure-openai', 'echo']),
    );
    expect(f.providers.find((p) => p.id === 'openai-main')!.api_key).toBeNull();
    const demo = f.models.find((m) => m.deployments.some((d) => d.provider === 'demo'));
    expect(demo).toMatchObject({ name: 'demo-echo', free: true });
    const withKey = loadCatalogFile(file, { OPENAI_API_KEY: 'sk-from-env' });
    expect(withKey.providers.find((p) => p.id === 'openai-main')!.api_key).toBe('sk-from-env');
  });
});
