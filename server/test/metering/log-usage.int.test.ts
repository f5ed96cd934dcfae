// Seed 003 POST /api/log-usage and the usage/consumption routes, through the whole app in-process.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemContext } from '../../src/identity/context.js';
import { walletAccount } from '../../src/ledger/ports.js';
import { ADMIN_SECRET_KEY, BILLING_API_KEY, SUPER_ADMIN, createTestApp, type TestApp } from '../support/app.js';
import { eachDialect } from '../support/db.js';
import { usageChargeLines } from './support.js';

const LOGGED = { message: 'Usage logged and budget updated successfully' };

eachDialect('seed 003 log-usage and usage routes', (dialect) => {
  let t: TestApp;
  let tenantId: string;
  let otherTenantId: string;
  let userId: string;
  let peerId: string;
  let rootToken: string;

  const log = (body: Record<string, unknown>, headers: Record<string, string> = { 'x-api-key': BILLING_API_KEY }) =>
    t.app.inject({ method: 'POST', url: '/api/log-usage', headers, payload: body });
  const login = async (email: string, password: string) => {
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password } });
    expect(res.statusCode).toBe(200);
    return (res.json() as { token: string }).token;
  };
  const get = (url: string, token: string) =>
    t.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } });
  const charges = async (requestId: string) => (await usageChargeLines(t.db.kysely, requestId)).length;

  beforeAll(async () => {
    t = await createTestApp(dialect);
    tenantId = (await t.identity.tenants.create({ name: 'Acme Metering' }, systemContext)).id;
    otherTenantId = (await t.identity.tenants.create({ name: 'Other Co' }, systemContext)).id;
    const mk = (email: string) =>
      t.identity.users.create({ email, role: 'tenant_user', tenantId, password: 'user-password-123' }, systemContext);
    userId = (await mk('dev@acme.test')).id;
    peerId = (await mk('peer@acme.test')).id;
    await t.money.prices.setPrice({ model: 'gpt-4o', inputPerMTok: '2.50', outputPerMTok: '10.00', effectiveFrom: 0 });
    rootToken = await login(SUPER_ADMIN.email, SUPER_ADMIN.password);
  });
  afterAll(async () => t.close());

  describe('POST /api/log-usage', () => {
    it('logs a call with cost_total exactly, charges the wallet and counts the user budget', async () => {
      const res = await log({
        user_id: userId,
        model: 'gpt-4',
        request_id: 'ext_1',
        tokens_input: 100,
        tokens_output: 200,
        cost_total: 0.05,
        response_time: 1234,
      });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual(LOGGED);
      const rec = await t.db.kysely
        .selectFrom('usage_records')
        .selectAll()
        .where('request_id', '=', 'ext_1')
        .executeTakeFirstOrThrow();
      expect(rec).toMatchObject({
        cost: 50_000_000n,
        source: 'http',
        tenant_id: tenantId,
        user_id: userId,
        latency_ms: 1234n,
        total_tokens: 300n,
      });
      expect(rec.ended_at - rec.started_at).toBe(1234n);
      expect(await t.money.ledger.balance(walletAccount(tenantId))).toBe(-50_000_000n);
      const counter = await t.db.kysely
        .selectFrom('budget_counters')
        .select(['spent'])
        .where('scope_key', '=', `user:${userId}`)
        .executeTakeFirstOrThrow();
      expect(counter.spent).toBe(50_000_000n);
    });

    it('null cost_total / response_time (a LiteLLM callback whose response_cost is None) count as absent', async () => {
      // In a tenant of its own: this file's other checks count the calls and charges of theirs.
      const nullCo = (await t.identity.tenants.create({ name: 'Null Co' }, systemContext)).id;
      const other = await t.identity.users.create(
        { email: 'nulls@null.test', role: 'tenant_user', tenantId: nullCo, password: 'user-password-123' },
        systemContext,
      );
      const report = {
        user_id: other.id,
        model: 'gpt-4o',
        request_id: 'ext_null_cost',
        tokens_input: 1000,
        tokens_output: 500,
      };
      const res = await log({ ...report, cost_total: null, response_time: null });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toEqual(LOGGED);
      const rec = await t.db.kysely
        .selectFrom('usage_records')
        .select(['cost', 'latency_ms'])
        .where('request_id', '=', 'ext_null_cost')
        .executeTakeFirstOrThrow();
      // Priced from the catalog: 1000 × 2.50/M + 500 × 10.00/M = 0.0075
      expect(rec).toEqual({ cost: 7_500_000n, latency_ms: null });
      // The same report without the null fields is the same event.
      expect((await log(report)).statusCode).toBe(200);
      expect(await charges('ext_null_cost')).toBe(1);
    });

    it('the same event 10× concurrently: one record, one charge; different content → 409, still one charge', async () => {
      const body = {
        user_id: 'dev@acme.test',
        model: 'gpt-4o',
        request_id: 'ext_dup',
        tokens_input: 1000,
        tokens_output: 500,
      };
      const before = await t.money.ledger.balance(walletAccount(tenantId));
      const results = await Promise.all(Array.from({ length: 10 }, () => log(body)));
      expect(results.map((r) => r.statusCode)).toEqual(Array(10).fill(200));
      for (const r of results) expect(r.json()).toEqual(LOGGED);
      expect(await charges('ext_dup')).toBe(1);
      const rows = await t.db.kysely
        .selectFrom('usage_records')
        .select('cost')
        .where('request_id', '=', 'ext_dup')
        .execute();
      // Priced from the catalog: 1000 × 2.50/M + 500 × 10.00/M = 0.0075
      expect(rows).toEqual([{ cost: 7_500_000n }]);

      const conflict = await log({ ...body, tokens_output: 501 });
      expect(conflict.statusCode).toBe(409);
      expect(conflict.json().error.code).toBe('idempotency_conflict');
      const replay = await log(body);
      expect(replay.statusCode).toBe(200);
      expect(await charges('ext_dup')).toBe(1);
      expect(await t.money.ledger.balance(walletAccount(tenantId))).toBe(before - 7_500_000n);
    });

    it('refuses unknown users (404), unpriced models without a cost (422) and bad bodies (400 naming the field)', async () => {
      const base = { user_id: userId, model: 'gpt-4o', request_id: 'ext_bad', tokens_input: 1, tokens_output: 1 };
      const unknown = await log({ ...base, user_id: 'nobody@acme.test' });
      expect(unknown.statusCode).toBe(404);
      expect((await log({ ...base, user_id: 'usr_doesnotexist' })).statusCode).toBe(404);

      const unpriced = await log({ ...base, model: 'mystery-model' });
      expect(unpriced.statusCode).toBe(422);
      expect(unpriced.json().error.code).toBe('model_not_priced');
      expect(
        await t.db.kysely.selectFrom('usage_records').select('id').where('request_id', '=', 'ext_bad').execute(),
      ).toEqual([]);
      // With the caller's own cost the model needs no price.
      expect(
        (await log({ ...base, model: 'mystery-model', request_id: 'ext_priced_by_caller', cost_total: 0.001 }))
          .statusCode,
      ).toBe(200);

      const { request_id: _omit, ...noId } = base;
      const missing = await log(noId);
      expect(missing.statusCode).toBe(400);
      expect(missing.json().error.field).toBe('request_id');
      const negative = await log({ ...base, tokens_input: -5 });
      expect(negative.statusCode).toBe(400);
      expect(negative.json().error.field).toBe('tokens_input');
      const cost = await log({ ...base, cost_total: 'a lot' });
      expect(cost.statusCode).toBe(400);
      expect(cost.json().error.field).toBe('cost_total');
      // Tokens that price past the largest amount (10^12 tokens at $1,000,000 per million): a 400
      // naming the field, not a database error in the batch.
      await t.money.prices.setPrice({
        model: 'gold-model',
        inputPerMTok: '1000000',
        outputPerMTok: '1',
        effectiveFrom: 0,
      });
      const huge = await log({ ...base, model: 'gold-model', request_id: 'ext_huge', tokens_input: 1e12 });
      expect(huge.statusCode).toBe(400);
      expect(huge.json().error.field).toBe('promptTokens');
      expect(
        await t.db.kysely.selectFrom('usage_records').select('id').where('request_id', '=', 'ext_huge').execute(),
      ).toEqual([]);
    });

    it('needs the billing service key', async () => {
      const body = { user_id: userId, model: 'gpt-4o', request_id: 'ext_sec', tokens_input: 1, tokens_output: 1 };
      expect((await log(body, {})).statusCode).toBe(401);
      expect((await log(body, { 'x-api-key': 'wrong-key-0123456789abcdef' })).statusCode).toBe(401);
      expect((await log(body, { 'x-admin-key': ADMIN_SECRET_KEY })).statusCode).toBe(403);
      expect((await log(body, { authorization: `Bearer ${rootToken}` })).statusCode).toBe(403);
      expect(await charges('ext_sec')).toBe(0);
    });
  });

  describe('usage and consumption routes', () => {
    beforeAll(async () => {
      await log({ user_id: peerId, model: 'gpt-4o', request_id: 'ext_peer', tokens_input: 2000, tokens_output: 0 });
    });

    it('GET /api/v1/usage: platform admin by tenant, tenant users only their own, other tenants 404', async () => {
      const all = await get(`/api/v1/usage?tenant_id=${tenantId}&limit=2`, rootToken);
      expect(all.statusCode).toBe(200);
      const page1 = all.json() as { items: { request_id: string; cost: string }[]; next_cursor: string | null };
      expect(page1.items).toHaveLength(2);
      expect(page1.next_cursor).not.toBeNull();
      const page2 = (
        await get(
          `/api/v1/usage?tenant_id=${tenantId}&limit=50&cursor=${encodeURIComponent(page1.next_cursor!)}`,
          rootToken,
        )
      ).json() as typeof page1;
      const ids = [...page1.items, ...page2.items].map((i) => i.request_id).sort();
      expect(ids).toEqual(['ext_1', 'ext_dup', 'ext_peer', 'ext_priced_by_caller']);
      expect(page1.items.concat(page2.items).find((i) => i.request_id === 'ext_1')?.cost).toBe('0.05');

      const devToken = await login('dev@acme.test', 'user-password-123');
      const own = (await get('/api/v1/usage', devToken)).json() as typeof page1;
      expect(own.items.map((i) => i.request_id).sort()).toEqual(['ext_1', 'ext_dup', 'ext_priced_by_caller']);
      expect(
        (await get(`/api/v1/usage?user=${peerId}`, devToken))
          .json()
          .items.map((i: { request_id: string }) => i.request_id),
      ).not.toContain('ext_peer');
      expect((await get(`/api/v1/usage?tenant_id=${otherTenantId}`, devToken)).statusCode).toBe(404);
      expect((await get('/api/v1/usage?model=mystery-model', devToken)).json().items).toHaveLength(1);
      expect((await get('/api/v1/usage?from=yesterday-ish', devToken)).statusCode).toBe(400);
      expect((await t.app.inject({ method: 'GET', url: '/api/v1/usage' })).statusCode).toBe(401);
    });

    it('GET /api/v1/consumption/{history,by-assistant,by-user} from the rollups, amounts as decimal strings', async () => {
      const today = new Date().toISOString().slice(0, 10);
      const history = await get(`/api/v1/consumption/history?tenant_id=${tenantId}`, rootToken);
      expect(history.statusCode).toBe(200);
      const h = history.json() as {
        endDate: string;
        items: { date: string; requests: number; cost: string; total_tokens: number }[];
      };
      expect(h.endDate).toBe(today);
      // 0.05 + 0.0075 + 0.001 + 2000 × 2.50/M = 0.0635
      expect(h.items).toEqual([
        expect.objectContaining({ date: today, requests: 4, cost: '0.0635', total_tokens: 300 + 1500 + 2 + 2000 }),
      ]);

      const byUser = (await get(`/api/v1/consumption/by-user?tenant_id=${tenantId}`, rootToken)).json() as {
        items: { user_id: string; cost: string }[];
      };
      expect(byUser.items.map((i) => [i.user_id, i.cost]).sort()).toEqual(
        [
          [peerId, '0.005'],
          [userId, '0.0585'],
        ].sort(),
      );
      const byAgent = (await get(`/api/v1/consumption/by-assistant?tenant_id=${tenantId}`, rootToken)).json() as {
        items: { agent: string | null; requests: number }[];
      };
      expect(byAgent.items).toEqual([expect.objectContaining({ agent: null, requests: 4 })]);

      const devToken = await login('dev@acme.test', 'user-password-123');
      const mine = (await get('/api/v1/consumption/by-user', devToken)).json() as typeof byUser;
      expect(mine.items.map((i) => i.user_id)).toEqual([userId]);
      expect(
        (await get('/api/v1/consumption/history?startDate=2026-02-10&endDate=2026-02-01', devToken)).statusCode,
      ).toBe(400);
      expect((await get(`/api/v1/consumption/history?tenant_id=${otherTenantId}`, devToken)).statusCode).toBe(404);
    });
  });
  describe('cost_total as the sender wrote it', () => {
    it('charges 50000000.01 exactly (not the double 50000000.009999998) and rounds extra digits up', async () => {
      const other = await t.identity.users.create(
        { email: 'exact@other.test', role: 'tenant_user', tenantId: otherTenantId, password: 'user-password-123' },
        systemContext,
      );
      const base = { user_id: other.id, model: 'gpt-4', tokens_input: 1, tokens_output: 1 };
      expect((await log({ ...base, request_id: 'ext_exact_big', cost_total: 50000000.01 })).statusCode).toBe(200);
      // JSON.stringify(0.1 + 0.2) sends 0.30000000000000004: one nano above 0.3, never below.
      expect((await log({ ...base, request_id: 'ext_exact_sum', cost_total: 0.1 + 0.2 })).statusCode).toBe(200);
      const cost = async (requestId: string) =>
        (
          await t.db.kysely
            .selectFrom('usage_records')
            .select('cost')
            .where('request_id', '=', requestId)
            .executeTakeFirstOrThrow()
        ).cost;
      expect(await cost('ext_exact_big')).toBe(50_000_000_010_000_000n);
      expect(await cost('ext_exact_sum')).toBe(300_000_001n);
      expect(await t.money.ledger.balance(walletAccount(otherTenantId))).toBe(-50_000_000_310_000_001n);
    });
  });
});
