// Tollgate as the benchmark runs it, in its own process: a temp SQLite database, the catalog from a
// YAML file pointing at the mock upstream, one tenant with a funded wallet and an API key with rate
// limits set — so auth, rate limiting, budget reservation and metering are all on the path.
//   node dist/tollgate-server.js <mock-origin> <server-dir>   → sends {port, secret} on the IPC channel.
// run.ts builds the server (`npm run build -w server`, compiled JavaScript as `npm start` runs it) and
// transpiles this file to bench/gateway/dist/, then passes server/dist as <server-dir>. Without it
// (`tsx tollgate-server.ts <mock-origin>`) the app is loaded from the TypeScript sources.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { stringify } from 'yaml';
import type * as TollgateModule from '../../server/src/app/tollgate.js';
import type * as ConfigModule from '../../server/src/config/config.js';
import type * as ContextModule from '../../server/src/identity/context.js';
import type * as MoneyModule from '../../server/src/shared/money.js';

type Modules = [typeof TollgateModule, typeof ConfigModule, typeof ContextModule, typeof MoneyModule];

const serverDir = process.argv[3] ?? resolve(import.meta.dirname, '../../server/src');
const load = (m: string) => import(pathToFileURL(join(serverDir, m)).href);
const [{ createTollgate }, { loadConfig }, { systemContext }, { parseMoney }] = (await Promise.all([
  load('app/tollgate.js'),
  load('config/config.js'),
  load('identity/context.js'),
  load('shared/money.js'),
])) as Modules;

const mock = process.argv[2];
if (!mock) throw new Error('usage: tollgate-server.ts <mock-origin>');

const dir = mkdtempSync(join(tmpdir(), 'tollgate-bench-'));
const file = join(dir, 'tollgate.yaml');
writeFileSync(
  file,
  stringify({
    providers: [{ id: 'mock', type: 'openai', base_url: `${mock}/v1`, api_key: 'sk-bench' }],
    models: [
      {
        name: 'bench-model',
        deployments: [{ provider: 'mock', model: 'gpt-4o-mini' }],
        pricing: { input_per_mtok: '0.15', output_per_mtok: '0.60' },
      },
    ],
  }),
);
const config = loadConfig({
  NODE_ENV: 'production',
  LOG_LEVEL: process.env['BENCH_LOG_LEVEL'] ?? 'warn',
  DATA_DIR: dir,
  TOLLGATE_CONFIG: file,
  SUPER_ADMIN_EMAIL: 'root@bench.test',
  SUPER_ADMIN_PASSWORD: 'bench-password-123',
  // Metering settings from the environment, for A/B runs (e.g. METERING_WRITER=inline).
  ...Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('METERING_'))),
});
const tollgate = await createTollgate({ config });
const address = await tollgate.app.listen({ port: 0, host: '127.0.0.1' });
await tollgate.start();

const tenant = await tollgate.identity.tenants.create({ name: 'Bench Tenant', status: 'active' }, systemContext);
const user = await tollgate.identity.users.create(
  { email: 'bench@bench.test', role: 'tenant_user', tenantId: tenant.id, password: 'bench-password-123' },
  systemContext,
);
await tollgate.money.wallets.topUp(tenant.id, { amount: parseMoney('1000000'), idempotencyKey: 'bench-seed' });
const { secret } = await tollgate.identity.apiKeys.create(
  { name: 'bench', rpm: 100_000_000, tpm: 1_000_000_000_000 },
  { userId: user.id, tenantId: tenant.id },
  systemContext,
);

process.send?.({ port: Number(new URL(address).port), secret });
let inspector: Session | undefined;
async function allocSampling(start: boolean): Promise<unknown> {
  if (!inspector) {
    inspector = new Session();
    inspector.connect();
  }
  const post = (method: string, params?: object) =>
    new Promise<unknown>((resolve, reject) =>
      inspector!.post(method, params ?? {}, (err, res) => (err ? reject(err) : resolve(res))),
    );
  if (start)
    return post('HeapProfiler.startSampling', {
      samplingInterval: 4096,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true,
    });
  const { profile } = (await post('HeapProfiler.stopSampling')) as { profile: unknown };
  inspector.disconnect();
  inspector = undefined;
  return profile;
}

process.on('message', (m: { cmd?: string }) => {
  if (m.cmd === 'cpu') process.send?.({ cpu: process.cpuUsage(), rss: process.memoryUsage().rss });
  if (m.cmd === 'mem') {
    // With --expose-gc (rss-probe.ts --gc): live memory, not what the next collection would free.
    (globalThis as { gc?: () => void }).gc?.();
    process.send?.({ mem: process.memoryUsage() });
  }
  if (m.cmd === 'metrics') void tollgate.gateway.metrics.render().then((r) => process.send?.({ metrics: r.body }));
  // Sampling heap profile of everything allocated in between, collected or not (cpu-probe --alloc).
  if (m.cmd === 'alloc-start') void allocSampling(true).then(() => process.send?.({ ok: true }));
  if (m.cmd === 'alloc-stop') void allocSampling(false).then((profile) => process.send?.({ profile }));
  if (m.cmd === 'stop') void tollgate.close().finally(() => process.exit(0));
});
