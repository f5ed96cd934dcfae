// API keys: creation, hash-only storage (the database file is searched for the secret), the
// gateway's KeyAuthenticator (revoked, expired, inactive owner/tenant, cache invalidation), rotate,
// last-used batching.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemContext } from '../../src/identity/context.js';
import { ManualClock } from '../../src/shared/clock.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { bearer, holdLookups, makePerson, makeTenant, type Person } from './helpers.js';

const clock = new ManualClock();
let t: TestApp;
let admin: Person;
let user: Person;
let tenantId: string;

beforeAll(async () => {
  t = await createTestApp('sqlite', {}, { clock });
  const tenant = await makeTenant(t, 'Keys Co');
  tenantId = tenant.id;
  admin = await makePerson(t, 'tenant_admin', tenantId);
  user = await makePerson(t, 'tenant_user', tenantId);
});
afterAll(async () => t?.close());

const createKey = async (who: Person, body: Record<string, unknown>) => {
  const res = await t.app.inject({ method: 'POST', url: '/api/v1/keys', payload: body, headers: bearer(who.token) });
  expect(res.statusCode, res.body).toBe(201);
  return res.json<{
    key: { id: string; prefix: string; status: string; budget: string | null; user_id: string };
    secret: string;
  }>();
};

describe('creating keys', () => {
  it('returns a tg- secret of 32+ random bytes once, with limits and a display prefix', async () => {
    const { key, secret } = await createKey(admin, {
      name: 'ci',
      allowed_models: ['gpt-4o-mini'],
      rpm: 60,
      tpm: 100000,
      budget: '25.50',
      budget_period: 'daily',
      expires_at: new Date(clock.now() + 86_400_000).toISOString(),
    });
    expect(secret).toMatch(/^tg-[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(secret.slice(3), 'base64url').length).toBe(32);
    expect(secret.startsWith(key.prefix)).toBe(true);
    expect(key.prefix.length).toBe(10);
    expect(key).toMatchObject({
      status: 'active',
      budget: '25.50',
      budget_period: 'daily',
      rpm: 60,
      tpm: 100000,
      allowed_models: ['gpt-4o-mini'],
      user_id: admin.id,
    });
    const got = await t.app.inject({ method: 'GET', url: `/api/v1/keys/${key.id}`, headers: bearer(admin.token) });
    expect(got.body).not.toContain(secret);
    expect(got.body).not.toContain(secret.slice(10));
    const caller = await t.identity.keys.authenticate(secret);
    expect(caller.ok && caller.caller.key.budget).toBe(25_500_000_000n);
  });

  it('stores only the SHA-256: the database files (incl. WAL) never contain the secret', async () => {
    const { secret } = await createKey(user, { name: 'grep-me' });
    const dir = dirname(t.db.file!);
    const files = readdirSync(dir).filter((f) => f.startsWith('test.db'));
    expect(files).toContain('test.db-wal');
    const body = secret.slice(3);
    for (const f of files) {
      const bytes = readFileSync(join(dir, f));
      expect(bytes.includes(Buffer.from(body)), `${f} contains the secret`).toBe(false);
      expect(bytes.includes(Buffer.from(body, 'utf16le'))).toBe(false);
    }
    // …while the hash is there: the search itself works.
    const { hashKeySecret } = await import('../../src/keys/key-secret.js');
    const all = Buffer.concat(files.map((f) => readFileSync(join(dir, f))));
    expect(all.includes(Buffer.from(hashKeySecret(secret)))).toBe(true);
  });

  it('a tenant user may only create keys for themselves; an admin for anyone in the tenant', async () => {
    const forAdmin = await t.app.inject({
      method: 'POST',
      url: '/api/v1/keys',
      payload: { name: 'x', user_id: admin.id },
      headers: bearer(user.token),
    });
    expect(forAdmin.statusCode).toBe(403);
    const { key } = await createKey(admin, { name: 'for user', user_id: user.id });
    expect(key.user_id).toBe(user.id);
  });
});

describe('KeyAuthenticator', () => {
  it('resolves key, tenant and user; touch() batches last_used_at', async () => {
    const { key, secret } = await createKey(user, { name: 'gw' });
    const r = await t.identity.keys.authenticate(secret);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.caller.key.id).toBe(key.id);
    expect(r.caller.tenant).toMatchObject({ id: tenantId, status: 'active' });
    expect(r.caller.user).toMatchObject({ id: user.id, role: 'tenant_user', status: 'active' });
    t.identity.keys.touch(key.id, clock.now());
    t.identity.keys.touch(key.id, clock.now() + 5);
    expect(t.identity.lastUsed.pending()).toBe(1);
    const before = await t.identity.apiKeys.getById(key.id);
    expect(before?.last_used_at).toBeNull();
    await t.identity.lastUsed.flush();
    expect((await t.identity.apiKeys.getById(key.id))?.last_used_at).toBe(new Date(clock.now() + 5).toISOString());
    // An older touch never moves it back.
    t.identity.keys.touch(key.id, clock.now() - 1000);
    await t.identity.lastUsed.flush();
    expect((await t.identity.apiKeys.getById(key.id))?.last_used_at).toBe(new Date(clock.now() + 5).toISOString());
  });

  it('serves repeat lookups from the cache (no query) and refuses unknown secrets', async () => {
    const { secret } = await createKey(user, { name: 'cache' });
    await t.identity.keys.authenticate(secret);
    const kysely = t.core.db.kysely;
    let queries = 0;
    const orig = kysely.selectFrom.bind(kysely);
    (kysely as { selectFrom: unknown }).selectFrom = ((...a: Parameters<typeof orig>) => {
      queries++;
      return orig(...a);
    }) as typeof orig;
    try {
      for (let i = 0; i < 5; i++) expect((await t.identity.keys.authenticate(secret)).ok).toBe(true);
      expect(queries).toBe(0);
    } finally {
      (kysely as { selectFrom: unknown }).selectFrom = orig;
    }
    expect(await t.identity.keys.authenticate('tg-' + 'A'.repeat(43))).toEqual({ ok: false, reason: 'invalid' });
    expect(await t.identity.keys.authenticate('sk-whatever')).toEqual({ ok: false, reason: 'invalid' });
  });

  it('a flood of made-up secrets does not evict real keys from a small cache', async () => {
    const { createKeyAuthenticator } = await import('../../src/keys/key-authenticator.js');
    const auth = createKeyAuthenticator({
      db: t.core.db.kysely,
      bus: t.core.bus,
      now: () => clock.now(),
      lastUsed: t.identity.lastUsed,
      cache: { ttlMs: 60_000, negativeTtlMs: 5_000, maxEntries: 10 },
    });
    const real = await Promise.all([1, 2, 3].map(async (i) => (await createKey(user, { name: `real-${i}` })).secret));
    for (const s of real) expect((await auth.authenticate(s)).ok).toBe(true);
    for (let i = 0; i < 50; i++) await auth.authenticate(`tg-${String(i).padStart(43, 'x')}`);
    expect(auth.size()).toBe(3 + 2); // three real keys + the unknown map's cap (10 / 5)
    await auth.close();
  });

  it('refuses a revoked key at once, even when it was cached', async () => {
    const { key, secret } = await createKey(user, { name: 'to revoke' });
    expect((await t.identity.keys.authenticate(secret)).ok).toBe(true);
    const res = await t.app.inject({
      method: 'POST',
      url: `/api/v1/keys/${key.id}/revoke`,
      headers: bearer(user.token),
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().status).toBe('revoked');
    expect(await t.identity.keys.authenticate(secret)).toEqual({ ok: false, reason: 'revoked' });
  });

  it('a key revoked while its lookup is reading the database is not cached as still valid', async () => {
    const { createKeyAuthenticator } = await import('../../src/keys/key-authenticator.js');
    const { key, secret } = await createKey(user, { name: 'revoked mid-lookup' });
    const { db, read, release } = holdLookups(t.core.db.kysely);
    const auth = createKeyAuthenticator({
      db,
      bus: t.core.bus,
      now: () => clock.now(),
      lastUsed: t.identity.lastUsed,
      cache: { ttlMs: 60_000, negativeTtlMs: 5_000, maxEntries: 100 },
    });
    try {
      const inFlight = auth.authenticate(secret);
      await read; // the lookup holds the row as it was before the revoke
      await t.identity.apiKeys.revoke(key.id, systemContext);
      release();
      await inFlight; // began before the revoke: either answer is fair for this one call
      expect(await auth.authenticate(secret)).toEqual({ ok: false, reason: 'revoked' });
    } finally {
      await auth.close();
    }
  });

  it('refuses an expired key once its time passes (cached or not)', async () => {
    const { secret } = await createKey(user, {
      name: 'short',
      expires_at: new Date(clock.now() + 60_000).toISOString(),
    });
    expect((await t.identity.keys.authenticate(secret)).ok).toBe(true);
    clock.advance(60_000);
    expect(await t.identity.keys.authenticate(secret)).toEqual({ ok: false, reason: 'expired' });
    const list = await t.app.inject({ method: 'GET', url: '/api/v1/keys?status=expired', headers: bearer(user.token) });
    expect(list.json().items.map((k: { name: string }) => k.name)).toContain('short');
  });

  it('refuses keys of a suspended owner or an inactive tenant, and accepts them again when restored', async () => {
    const owner = await makePerson(t, 'tenant_user', tenantId);
    const { secret } = await createKey(owner, { name: 'owner' });
    expect((await t.identity.keys.authenticate(secret)).ok).toBe(true);
    await t.identity.users.suspend(owner.id, systemContext);
    expect(await t.identity.keys.authenticate(secret)).toEqual({ ok: false, reason: 'user_inactive' });
    await t.identity.users.update(owner.id, { status: 'active' }, systemContext);
    expect((await t.identity.keys.authenticate(secret)).ok).toBe(true);
    await t.identity.tenants.update(tenantId, { status: 'suspended' }, systemContext);
    expect(await t.identity.keys.authenticate(secret)).toEqual({ ok: false, reason: 'tenant_inactive' });
    await t.identity.tenants.update(tenantId, { status: 'active' }, systemContext);
    expect((await t.identity.keys.authenticate(secret)).ok).toBe(true);
  });

  it('sees PATCHed limits immediately', async () => {
    const { key, secret } = await createKey(admin, { name: 'limits' });
    await t.identity.keys.authenticate(secret);
    const res = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/keys/${key.id}`,
      payload: { rpm: 5, allowed_models: ['a', 'b'], budget: '1' },
      headers: bearer(admin.token),
    });
    expect(res.statusCode, res.body).toBe(200);
    const r = await t.identity.keys.authenticate(secret);
    expect(r.ok && r.caller.key).toMatchObject({ rpm: 5, allowedModels: ['a', 'b'], budget: 1_000_000_000n });
  });
});

describe('rotate', () => {
  it('returns a new secret once with the same settings; the old secret is revoked', async () => {
    const { key, secret } = await createKey(admin, { name: 'rot', rpm: 7 });
    const res = await t.app.inject({
      method: 'POST',
      url: `/api/v1/keys/${key.id}/rotate`,
      headers: bearer(admin.token),
    });
    expect(res.statusCode).toBe(201);
    const next = res.json();
    expect(next.secret).not.toBe(secret);
    expect(next.key).toMatchObject({ name: 'rot', rpm: 7, rotated_from: key.id, status: 'active' });
    expect(await t.identity.keys.authenticate(secret)).toEqual({ ok: false, reason: 'revoked' });
    expect((await t.identity.keys.authenticate(next.secret)).ok).toBe(true);
    const again = await t.app.inject({
      method: 'POST',
      url: `/api/v1/keys/${key.id}/rotate`,
      headers: bearer(admin.token),
    });
    expect(again.statusCode).toBe(422);
  });

  it('every key change is audited', async () => {
    const audit = await t.identity.audit.list({ tenantId, targetType: 'api_key', limit: 200 });
    const actions = new Set(audit.items.map((e) => e.action));
    expect([...actions].sort()).toEqual(['key.create', 'key.revoke', 'key.rotate', 'key.update']);
    const anyEntry = JSON.stringify(audit.items);
    expect(anyEntry).not.toMatch(/tg-[A-Za-z0-9_-]{20,}/);
  });
});
