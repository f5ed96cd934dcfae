// Tollgate as the benchmark runs it, in its own process: a temp SQLite database, the catalog from a
// YAML file pointing at the mock upstream, one tenant with a funded wallet and an API key with rate
// limits set — so auth, rate limiting, budget reservation and metering are all on the path.
//   tsx tollgate-server.ts <mock-origin>   → sends {port, secret} on the IPC channel.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { createTollgate } from '../../server/src/app/tollgate.js';
import { loadConfig } from '../../server/src/config/config.js';
import { systemContext } from '../../server/src/identity/context.js';
import { parseMoney } from '../../server/src/shared/money.js';

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
process.on('message', (m: { cmd?: string }) => {
  if (m.cmd === 'cpu') process.send?.({ cpu: process.cpuUsage(), rss: process.memoryUsage().rss });
  if (m.cmd === 'stop') void tollgate.close().finally(() => process.exit(0));
});
