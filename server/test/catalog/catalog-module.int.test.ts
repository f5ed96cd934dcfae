// The catalog module on real databases: applying the operator file at start-up (file wins, API
// objects stay, idempotent re-apply, prices through the PriceWriter), secrets at rest, and the
// registry rebuilt on 'gateway.config.changed'.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { createCatalogModule, type CatalogModule } from '../../src/catalog/module.js';
import { CatalogFileError } from '../../src/catalog/config-file.js';
import { createAuditService } from '../../src/audit/audit-service.js';
import { systemContext } from '../../src/identity/context.js';
import { parseMoney } from '../../src/shared/money.js';
import { createTestDb, eachDialect, type TestDb } from '../support/db.js';
import { fakeMoney, FakePriceBook, testCore, type TestCore } from './fakes.js';

const SECRET = 'sk-live-SUPERSECRET-abcdef0123456789';

const FILE = `
providers:
  - id: openai-main
    type: openai
    api_key: \${TEST_OPENAI_KEY}
    headers: { HTTP-Referer: "https://tollgate.test", X-Upstream-Token: "\${TEST_HEADER_TOKEN}" }
  - id: demo
    type: echo
models:
  - name: gpt-4o-mini
    deployments:
      - { provider: openai-main, model: gpt-4o-mini }
      - { provider: demo, model: echo, priority: 5, pricing: { input_per_mtok: "0.01", output_per_mtok: "0.02" } }
    pricing: { input_per_mtok: "0.15", output_per_mtok: "0.60", cached_input_per_mtok: "0.075" }
  - name: echo
    free: true
    routing: { strategy: weighted }
    deployments:
      - { provider: demo, model: echo-1, max_output_tokens: 1024 }
routing: { strategy: lowest-cost }
`;
const ENV = { TEST_OPENAI_KEY: SECRET, TEST_HEADER_TOKEN: 'hdr-SECRET-token-99' };

function writeConfig(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'tollgate-yaml-')), 'tollgate.yaml');
  writeFileSync(file, text);
  return file;
}

eachDialect('catalog module', (dialect) => {
  let db: TestDb;
  let core: TestCore;
  let book: FakePriceBook;
  const modules: CatalogModule[] = [];

  beforeEach(async () => {
    db = await createTestDb(dialect);
    book = new FakePriceBook(() => core.clock.now());
  });
  afterEach(async () => {
    for (const m of modules.splice(0)) await m.close?.();
    await db.close();
  });

  async function start(file: string | null, opts: { key?: Buffer; withPrices?: boolean } = {}): Promise<CatalogModule> {
    core = testCore(db, file ? { TOLLGATE_CONFIG: file } : {}, opts.key ?? core?.secrets.encryptionKey);
    const m = await createCatalogModule(core, { money: fakeMoney(opts.withPrices === false ? null : book), env: ENV });
    modules.push(m);
    return m;
  }

  it('starts with an empty catalog when no file is configured', async () => {
    const m = await start(null);
    expect(m.registry.list()).toEqual([]);
    expect(m.registry.resolve('gpt-4o-mini')).toBeNull();
    expect(m.fileSummary).toBeNull();
    expect(m.defaultStrategy()).toBe('priority');
  });

  it('applies the file: rows marked file-managed, registry served from memory with decrypted secrets, prices written', async () => {
    const m = await start(writeConfig(FILE));
    expect(m.fileSummary).toEqual({
      providers: { created: 2, updated: 0, unchanged: 0 },
      models: { created: 2, updated: 0, unchanged: 0 },
    });
    expect(m.defaultStrategy()).toBe('lowest-cost');

    const entry = m.registry.resolve('gpt-4o-mini')!;
    expect(entry.kinds).toEqual(['chat']);
    expect(entry.deployments.map((d) => [d.provider.id, d.upstreamModel, d.priority])).toEqual([
      ['openai-main', 'gpt-4o-mini', 1],
      ['demo', 'echo', 5],
    ]);
    const openai = entry.deployments[0]!.provider;
    expect(openai).toMatchObject({ type: 'openai', baseUrl: 'https://api.openai.com/v1', apiKey: SECRET });
    expect(openai.headers).toEqual({
      'HTTP-Referer': 'https://tollgate.test',
      'X-Upstream-Token': 'hdr-SECRET-token-99',
    });
    expect(entry.deployments[1]!.provider).toMatchObject({ type: 'echo', baseUrl: 'echo://local', apiKey: null });
    expect(m.registry.resolve('echo')).toMatchObject({ free: true, routingStrategy: 'weighted' });
    expect(m.registry.resolve('echo')!.deployments[0]!.maxOutputTokens).toBe(1024);

    const rows = await db.kysely.selectFrom('providers').select(['id', 'managed_by']).orderBy('id').execute();
    expect(rows).toEqual([
      { id: 'demo', managed_by: 'file' },
      { id: 'openai-main', managed_by: 'file' },
    ]);

    // model price, deployment price, free price: three versions through the PriceWriter
    expect(book.versions.map((v) => [v.model, v.deploymentId === null ? 'model' : 'deployment', v.free])).toEqual([
      ['gpt-4o-mini', 'model', false],
      ['gpt-4o-mini', 'deployment', false],
      ['echo', 'model', true],
    ]);
    expect(book.versions[0]!.inputPerMTok).toBe(parseMoney('0.15'));
    expect(book.versions[1]!.deploymentId).toBe(entry.deployments[1]!.id);
    // lowest-cost (the file's global strategy) now prefers the cheaper echo deployment
    expect(m.planner.plan(entry, null, core.clock.now()).map((d) => d.provider.id)).toEqual(['demo', 'openai-main']);
  });

  it('re-applying the same file writes nothing: same ids, same timestamps, no new price versions', async () => {
    const file = writeConfig(FILE);
    const first = await start(file);
    const ids = first.registry.resolve('gpt-4o-mini')!.deployments.map((d) => d.id);
    const before = await db.kysely.selectFrom('providers').selectAll().orderBy('id').execute();
    core.clock.advance(60_000);
    const again = await start(file);
    expect(again.fileSummary).toEqual({
      providers: { created: 0, updated: 0, unchanged: 2 },
      models: { created: 0, updated: 0, unchanged: 2 },
    });
    expect(await db.kysely.selectFrom('providers').selectAll().orderBy('id').execute()).toEqual(before);
    expect(again.registry.resolve('gpt-4o-mini')!.deployments.map((d) => d.id)).toEqual(ids);
    expect(book.versions).toHaveLength(3);
  });

  it('the file wins for what it declares; objects created through the API stay', async () => {
    const m0 = await start(null);
    await m0.service.createProvider(
      'openai-main',
      { type: 'openai', base_url: 'https://proxy.example/v1', api_key: 'sk-api-created-000000' },
      systemContext,
    );
    await m0.service.createProvider('vllm', { type: 'openai', base_url: 'http://10.0.0.5:8000/v1' }, systemContext);
    await m0.service.createModel(
      'llama',
      {
        kinds: ['chat'],
        free: false,
        status: 'active',
        deployments: [{ provider: 'vllm', model: 'meta/llama', weight: 1, status: 'active' }],
      },
      systemContext,
    );

    const m = await start(writeConfig(FILE));
    expect(m.fileSummary!.providers).toEqual({ created: 1, updated: 1, unchanged: 0 });
    const openai = m.registry.resolve('gpt-4o-mini')!.deployments[0]!.provider;
    expect(openai).toMatchObject({ baseUrl: 'https://api.openai.com/v1', apiKey: SECRET });
    expect((await m.service.getProvider('openai-main')).managed_by).toBe('file');
    expect((await m.service.getProvider('vllm')).managed_by).toBe('api');
    expect(m.registry.resolve('llama')!.deployments[0]!.provider.baseUrl).toBe('http://10.0.0.5:8000/v1');
  });

  it('a changed file updates what it declares on the next start', async () => {
    await start(writeConfig(FILE));
    const changed = FILE.replace('priority: 5', 'priority: 0').replace('"0.60"', '"0.70"');
    const m = await start(writeConfig(changed));
    expect(m.fileSummary!.models.updated).toBe(1);
    expect(m.registry.resolve('gpt-4o-mini')!.deployments.map((d) => d.provider.id)).toEqual(['demo', 'openai-main']);
    expect(book.priceAt('gpt-4o-mini', core.clock.now())!.outputPerMTok).toBe(parseMoney('0.70'));
  });

  it('removing `status: disabled` from a provider in the file turns it back on at the next start', async () => {
    const disabled = FILE.replace('    type: echo\n', '    type: echo\n    status: disabled\n');
    const m0 = await start(writeConfig(disabled));
    expect((await m0.service.getProvider('demo')).status).toBe('disabled');
    expect(m0.registry.resolve('echo')!.deployments).toHaveLength(0);
    const m = await start(writeConfig(FILE));
    expect((await m.service.getProvider('demo')).status).toBe('active');
    expect(m.registry.resolve('echo')!.deployments).toHaveLength(1);
  });

  it('a model naming an unknown provider fails start-up with the path in the file', async () => {
    const bad = writeConfig('models:\n  - name: m\n    deployments:\n      - { provider: ghost, model: x }\n');
    await expect(start(bad)).rejects.toThrow(CatalogFileError);
    await expect(start(bad)).rejects.toThrow(
      /tollgate\.yaml: models\[0\]\.deployments\[0\]\.provider: unknown provider "ghost"/,
    );
  });

  it('without a price writer (money module not ready) the catalog still loads', async () => {
    const m = await start(writeConfig(FILE), { withPrices: false });
    expect(m.registry.resolve('gpt-4o-mini')).not.toBeNull();
    expect(book.versions).toHaveLength(0);
  });

  it('secrets are encrypted at rest: the plain key is nowhere in the stored rows (nor in the SQLite file bytes)', async () => {
    await start(writeConfig(FILE));
    const rows = await db.kysely.selectFrom('providers').selectAll().execute();
    const dump = JSON.stringify(rows, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
    expect(dump).not.toContain(SECRET);
    expect(dump).not.toContain('SUPERSECRET');
    expect(dump).not.toContain('hdr-SECRET');
    expect(rows.find((r) => r.id === 'openai-main')!.api_key_encrypted).toMatch(/^v1:/);
    if (dialect === 'sqlite') {
      db.sqlite!.pragma('wal_checkpoint(TRUNCATE)');
      for (const f of [db.file!, `${db.file}-wal`]) {
        if (!existsSync(f)) continue;
        const bytes = readFileSync(f);
        expect(bytes.includes(Buffer.from('SUPERSECRET'))).toBe(false);
        expect(bytes.includes(Buffer.from('hdr-SECRET'))).toBe(false);
      }
      // sanity: the file really holds the catalog
      expect(readFileSync(db.file!).includes(Buffer.from('openai-main'))).toBe(true);
    }
  });

  it('a provider whose secret no longer decrypts (TOLLGATE_SECRET changed) is left out, not a crash', async () => {
    await start(writeConfig(FILE.replace(/routing: \{ strategy: lowest-cost \}/, '')));
    const m = await start(null, { key: randomBytes(32) });
    expect(m.registry.resolve('gpt-4o-mini')!.deployments.map((d) => d.provider.id)).toEqual(['demo']);
    expect((await m.service.getProvider('openai-main')).secret_readable).toBe(false);
  });

  it('rebuilds the registry on gateway.config.changed (a change made by another node)', async () => {
    const m = await start(null);
    const other = await createCatalogModule(core, { money: fakeMoney(book), env: ENV });
    modules.push(other);
    // the other node writes, and its bus message reaches this node
    await other.service.createProvider('demo', { type: 'echo' }, systemContext);
    await other.service.createModel(
      'echo',
      {
        kinds: ['chat'],
        free: true,
        status: 'active',
        deployments: [{ provider: 'demo', model: 'e', weight: 1, status: 'active' }],
      },
      systemContext,
    );
    await vi.waitFor(() => expect(m.registry.resolve('echo')?.deployments).toHaveLength(1));
    // a direct write plus a bus message (as a RabbitMQ bus would deliver it)
    await db.kysely.updateTable('models').set({ status: 'disabled' }).where('name', '=', 'echo').execute();
    expect(m.registry.resolve('echo')).not.toBeNull();
    core.bus.publish('gateway.config.changed', {});
    await vi.waitFor(() => expect(m.registry.resolve('echo')).toBeNull());
  });

  it('records audit entries for changes (with the identity audit service), never with the secret', async () => {
    core = testCore(db);
    const audit = createAuditService({ db: db.kysely, now: () => core.clock.now() });
    const m = await createCatalogModule(core, { money: fakeMoney(book), identity: { audit }, env: ENV });
    modules.push(m);
    const ctx = {
      actor: {
        kind: 'user' as const,
        userId: 'usr_root',
        tenantId: null,
        role: 'platform_admin' as const,
        email: 'root@x.test',
      },
      ip: '10.0.0.1',
    };
    await m.service.createProvider('audited', { type: 'openai', api_key: SECRET }, ctx);
    await m.service.updateProvider('audited', { type: 'openai', api_key: SECRET + '-rotated' }, ctx);
    await m.service.createModel(
      'am',
      {
        kinds: ['chat'],
        free: false,
        status: 'active',
        deployments: [{ provider: 'audited', model: 'u', weight: 1, status: 'active' }],
      },
      ctx,
    );
    await m.service.deleteModel('am', ctx);
    const rows = await db.kysely.selectFrom('audit_log').selectAll().orderBy('id').execute();
    expect(rows.map((r) => [r.action, r.target_id, r.actor_id, r.ip])).toEqual([
      ['provider.create', 'audited', 'usr_root', '10.0.0.1'],
      ['provider.update', 'audited', 'usr_root', '10.0.0.1'],
      ['model.create', 'am', 'usr_root', '10.0.0.1'],
      ['model.delete', 'am', 'usr_root', '10.0.0.1'],
    ]);
    // the key rotation shows up as a changed hint, not as the key
    expect(rows[1]!.changes).toContain('api_key_last4');
    for (const r of rows) expect(r.changes ?? '').not.toContain('SUPERSECRET');
  });
});
