// A gateway test world: a whole Tollgate on SQLite listening on a real port, its catalog applied
// from a YAML file (providers, models, prices) exactly as an operator would, and a tenant, user,
// API key and funded wallet created through identity's and money's services.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { DialectName } from '../../src/db/database.js';
import { systemContext } from '../../src/identity/context.js';
import type { KeyCreate } from '../../src/keys/key-schemas.js';
import { parseMoney, parseMultiplier } from '../../src/shared/money.js';
import { createTestApp, type TestApp } from '../support/app.js';

export interface WorldOptions {
  catalog: Record<string, unknown>;
  env?: Record<string, string>;
  /** Wallet top-up, decimal string. */
  wallet?: string;
  /** Tenant price multiplier, decimal string ("1.25"). */
  multiplier?: string;
  dialect?: DialectName;
}

export interface World {
  t: TestApp;
  baseUrl: string;
  tenantId: string;
  userId: string;
  secret: string;
  keyId: string;
  makeKey(input: Omit<KeyCreate, 'user_id'> & Record<string, unknown>): Promise<{ secret: string; id: string }>;
  close(): Promise<void>;
}

/** The mock upstream's base URL as a provider of `type` expects it (see mock-upstream/README.md). */
const MOCK_PATH: Record<string, string> = { openai: '/v1', anthropic: '/v1', gemini: '/v1beta', 'azure-openai': '' };

/** A catalog provider entry served by the mock upstream. */
export function mockProvider(mock: { url: string }, type: string, id: string, apiKey = 'sk-x') {
  return { id, type, base_url: `${mock.url}${MOCK_PATH[type] ?? ''}`, api_key: apiKey };
}

/** A catalog model with two deployments on provider `up`: `<name>-primary` (tried first, with its
 *  own timeout if given) and `<name>-secondary`. */
export function twoDeployments(name: string, pricing: Record<string, string>, primaryTimeoutMs?: number) {
  return {
    name,
    deployments: [
      {
        provider: 'up',
        model: `${name}-primary`,
        priority: 1,
        ...(primaryTimeoutMs ? { timeout_ms: primaryTimeoutMs } : {}),
      },
      { provider: 'up', model: `${name}-secondary`, priority: 2 },
    ],
    pricing,
  };
}

let seq = 0;

export async function createWorld(opts: WorldOptions): Promise<World> {
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-gw-'));
  const file = join(dir, 'tollgate.yaml');
  writeFileSync(file, stringify(opts.catalog));
  const t = await createTestApp(opts.dialect ?? 'sqlite', { TOLLGATE_CONFIG: file, ...(opts.env ?? {}) });
  const n = ++seq;
  const tenant = await t.identity.tenants.create({ name: `Gateway Tenant ${n}`, status: 'active' }, systemContext);
  const user = await t.identity.users.create(
    { email: `dev${n}-${Date.now()}@gw.test`, role: 'tenant_user', tenantId: tenant.id, password: 'correct-horse-42' },
    systemContext,
  );
  if (opts.wallet) {
    await t.money.wallets.topUp(tenant.id, { amount: parseMoney(opts.wallet), idempotencyKey: `seed-${tenant.id}` });
  }
  if (opts.multiplier) {
    await t.money.prices.setMultiplier({
      tenantId: tenant.id,
      ppm: parseMultiplier(opts.multiplier),
      effectiveFrom: 0,
    });
  }
  const makeKey = async (input: Omit<KeyCreate, 'user_id'> & Record<string, unknown>) => {
    const { key, secret } = await t.identity.apiKeys.create(
      input as Omit<KeyCreate, 'user_id'>,
      { userId: user.id, tenantId: tenant.id },
      systemContext,
    );
    return { secret, id: key.id };
  };
  const k = await makeKey({ name: 'main' });
  const address = await t.app.listen({ port: 0, host: '127.0.0.1' });
  return {
    t,
    baseUrl: address,
    tenantId: tenant.id,
    userId: user.id,
    secret: k.secret,
    keyId: k.id,
    makeKey,
    close: () => t.close(),
  };
}
