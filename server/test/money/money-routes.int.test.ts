// Money routes through the real HTTP stack and identity: wallet, adjustments, seed 001 balance,
// transactions, prices and multipliers — happy paths, validation naming the field, roles, tenancy.
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemContext } from '../../src/identity/context.js';
import type { Role } from '../../src/identity/ports.js';
import { ADMIN_SECRET_KEY, SUPER_ADMIN } from '../support/app.js';
import { eachDialect } from '../support/db.js';
import { createMoneyTestApp, type MoneyTestApp } from './money-app.js';

const PASSWORD = 'correct-horse-42';

eachDialect('money routes', (dialect) => {
  let t: MoneyTestApp;
  let tenantA: string;
  let tenantB: string;
  const tok: Record<'root' | 'sales' | 'adminA' | 'userA' | 'adminB', string> = {
    root: '',
    sales: '',
    adminA: '',
    userA: '',
    adminB: '',
  };

  async function login(email: string, password: string): Promise<string> {
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password } });
    expect(res.statusCode, res.body).toBe(200);
    return res.json<{ token: string }>().token;
  }
  async function person(role: Role, tenantId: string | null): Promise<string> {
    const email = `${role}-${Math.random().toString(36).slice(2, 8)}@example.com`;
    await t.identity.users.create({ email, role, tenantId, password: PASSWORD }, systemContext);
    return login(email, PASSWORD);
  }
  const call = (who: keyof typeof tok | null, opts: InjectOptions) =>
    t.app.inject({
      ...opts,
      headers: { ...(who ? { authorization: `Bearer ${tok[who]}` } : {}), ...(opts.headers ?? {}) },
    });

  beforeAll(async () => {
    t = await createMoneyTestApp(dialect);
    tenantA = (await t.identity.tenants.create({ name: 'Tenant A', status: 'active' }, systemContext)).id;
    tenantB = (await t.identity.tenants.create({ name: 'Tenant B', status: 'active' }, systemContext)).id;
    tok.root = await login(SUPER_ADMIN.email, SUPER_ADMIN.password);
    tok.sales = await person('sales', null);
    tok.adminA = await person('tenant_admin', tenantA);
    tok.userA = await person('tenant_user', tenantA);
    tok.adminB = await person('tenant_admin', tenantB);
  });
  afterAll(async () => t.close());

  const adjust = (
    tenantId: string,
    payload: unknown,
    headers: Record<string, string> = {},
    who: keyof typeof tok = 'root',
  ) =>
    call(who, {
      method: 'POST',
      url: `/api/v1/admin/tenants/${tenantId}/wallet/adjustments`,
      payload: payload as object,
      headers,
    });

  describe('wallet and adjustments', () => {
    it('a platform admin credits a wallet; the tenant sees it as decimal strings', async () => {
      const res = await adjust(
        tenantA,
        { amount: '12.34', operation: 'CREDIT', reason: 'welcome credit' },
        { 'idempotency-key': 'welcome-1' },
      );
      expect(res.statusCode, res.body).toBe(201);
      const body = res.json();
      expect(body.wallet).toMatchObject({
        tenant_id: tenantA,
        balance: '12.34',
        available: '12.34',
        reserved: '0.00',
        mode: 'prepaid',
        currency: 'USD',
      });
      expect(body.transaction).toMatchObject({ kind: 'adjustment', memo: 'welcome credit', tenant_id: tenantA });
      expect(body.transaction.postings).toEqual(
        expect.arrayContaining([{ account: `wallet:${tenantA}`, amount: '12.34' }]),
      );

      const mine = await call('userA', { method: 'GET', url: '/api/v1/billing/wallet' });
      expect(mine.statusCode).toBe(200);
      expect(mine.json()).toMatchObject({ tenant_id: tenantA, balance: '12.34' });
    });

    it('the same Idempotency-Key replays (200, no second credit); with other content it is a 409', async () => {
      const again = await adjust(
        tenantA,
        { amount: '12.34', operation: 'CREDIT', reason: 'welcome credit' },
        { 'idempotency-key': 'welcome-1' },
      );
      expect(again.statusCode).toBe(200);
      expect(again.json()).toMatchObject({ replayed: true, wallet: { balance: '12.34' } });
      const conflict = await adjust(
        tenantA,
        { amount: '99', operation: 'CREDIT', reason: 'welcome credit' },
        { 'idempotency-key': 'welcome-1' },
      );
      expect(conflict.statusCode).toBe(409);
      expect(conflict.json().error.code).toBe('idempotency_conflict');
    });

    it('records an audit entry for the adjustment', async () => {
      const page = await t.identity.audit.list({ tenantId: tenantA, action: 'wallet.credit', limit: 10 });
      expect(page.items).toHaveLength(1);
      expect(page.items[0]).toMatchObject({
        target_type: 'wallet',
        target_id: tenantA,
        actor: { email: SUPER_ADMIN.email },
      });
    });

    it('a DEBIT beyond the prepaid wallet is refused with insufficient_balance and changes nothing', async () => {
      const res = await adjust(tenantA, { amount: '12.35', operation: 'DEBIT', reason: 'too much' });
      expect(res.statusCode).toBe(402);
      expect(res.json().error.code).toBe('insufficient_balance');
      const ok = await adjust(tenantA, { amount: '2.34', operation: 'DEBIT', reason: 'correction' });
      expect(ok.statusCode).toBe(201);
      expect(ok.json().wallet.balance).toBe('10.00');
    });

    it.each([
      [{ amount: '1.0000000001', operation: 'CREDIT', reason: 'x' }, 'amount'],
      [{ amount: 'ten', operation: 'CREDIT', reason: 'x' }, 'amount'],
      [{ amount: '0', operation: 'CREDIT', reason: 'x' }, 'amount'],
      [{ amount: '-5', operation: 'CREDIT', reason: 'x' }, 'amount'],
      [{ amount: '5', operation: 'GIFT', reason: 'x' }, 'operation'],
      [{ amount: '5', operation: 'CREDIT' }, 'reason'],
    ])('refuses %o naming the field', async (payload, field) => {
      const res = await adjust(tenantA, payload);
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json().error).toMatchObject({ code: 'validation_error', field });
    });

    it('only platform admins adjust; unknown tenants are 404; anonymous is 401', async () => {
      expect((await adjust(tenantA, { amount: '1', operation: 'CREDIT', reason: 'x' }, {}, 'adminA')).statusCode).toBe(
        403,
      );
      expect((await adjust(tenantA, { amount: '1', operation: 'CREDIT', reason: 'x' }, {}, 'sales')).statusCode).toBe(
        403,
      );
      expect((await adjust('ten_doesnotexist', { amount: '1', operation: 'CREDIT', reason: 'x' })).statusCode).toBe(
        404,
      );
      const anon = await call(null, {
        method: 'POST',
        url: `/api/v1/admin/tenants/${tenantA}/wallet/adjustments`,
        payload: { amount: '1', operation: 'CREDIT', reason: 'x' },
      });
      expect(anon.statusCode).toBe(401);
    });

    it('wallet reads are tenant-scoped: another tenant is 404, platform admins name one', async () => {
      expect(
        (await call('adminB', { method: 'GET', url: `/api/v1/billing/wallet?tenant_id=${tenantA}` })).statusCode,
      ).toBe(404);
      const noTenant = await call('root', { method: 'GET', url: '/api/v1/billing/wallet' });
      expect(noTenant.statusCode).toBe(400);
      expect(noTenant.json().error.field).toBe('tenant_id');
      expect(
        (await call('root', { method: 'GET', url: `/api/v1/billing/wallet?tenant_id=${tenantA}` })).json().balance,
      ).toBe('10.00');
      expect((await call('root', { method: 'GET', url: '/api/v1/billing/wallet?tenant_id=ten_nope' })).statusCode).toBe(
        404,
      );
      expect(
        (await call('sales', { method: 'GET', url: `/api/v1/billing/wallet?tenant_id=${tenantA}` })).statusCode,
      ).toBe(403);
    });

    it('PUT wallet switches to postpaid with a credit limit (platform admin only)', async () => {
      const res = await call('root', {
        method: 'PUT',
        url: `/api/v1/admin/tenants/${tenantB}/wallet`,
        payload: { mode: 'postpaid', credit_limit: '100' },
      });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toMatchObject({
        mode: 'postpaid',
        credit_limit: '100.00',
        available: '100.00',
        balance: '0.00',
      });
      const debit = await adjust(tenantB, { amount: '40', operation: 'DEBIT', reason: 'usage' });
      expect(debit.json().wallet).toMatchObject({ balance: '-40.00', available: '60.00' });
      expect(
        (
          await call('adminB', {
            method: 'PUT',
            url: `/api/v1/admin/tenants/${tenantB}/wallet`,
            payload: { mode: 'prepaid' },
          })
        ).statusCode,
      ).toBe(403);
      const bad = await call('root', {
        method: 'PUT',
        url: `/api/v1/admin/tenants/${tenantB}/wallet`,
        payload: { mode: 'credit' },
      });
      expect(bad.json().error.field).toBe('mode');
    });
  });

  describe('seed 001 /v1/billing/balance', () => {
    it('GET gives the caller tenant balance as numbers plus the exact string', async () => {
      const res = await call('userA', { method: 'GET', url: '/v1/billing/balance' });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({
        tenant_id: tenantA,
        balance: 10,
        currency: 'USD',
        balance_exact: '10.00',
        available: 10,
      });
      expect((await call('userA', { method: 'GET', url: `/v1/billing/balance?tenant_id=${tenantB}` })).statusCode).toBe(
        404,
      );
      const viaKey = await t.app.inject({
        method: 'GET',
        url: `/v1/billing/balance?tenant_id=${tenantA}`,
        headers: { 'x-admin-key': ADMIN_SECRET_KEY },
      });
      expect(viaKey.json()).toMatchObject({ tenant_id: tenantA, balance: 10 });
    });

    it('POST {amount, operation} works with the admin service key and a platform admin, not a tenant admin', async () => {
      const viaKey = await t.app.inject({
        method: 'POST',
        url: `/v1/billing/balance?tenant_id=${tenantA}`,
        headers: { 'x-admin-key': ADMIN_SECRET_KEY },
        payload: { amount: 100.0, operation: 'CREDIT' },
      });
      expect(viaKey.statusCode, viaKey.body).toBe(200);
      expect(viaKey.json()).toMatchObject({ balance: 110, balance_exact: '110.00', replayed: false });
      const viaJwt = await call('root', {
        method: 'POST',
        url: '/v1/billing/balance',
        payload: { amount: 0.5, operation: 'DEBIT', tenant_id: tenantA },
      });
      expect(viaJwt.json()).toMatchObject({ balance: 109.5 });
      expect(
        (
          await call('adminA', {
            method: 'POST',
            url: '/v1/billing/balance',
            payload: { amount: 1, operation: 'CREDIT', tenant_id: tenantA },
          })
        ).statusCode,
      ).toBe(403);
      const wrongKey = await t.app.inject({
        method: 'POST',
        url: `/v1/billing/balance?tenant_id=${tenantA}`,
        headers: { 'x-admin-key': 'wrong-key-wrong-key' },
        payload: { amount: 1, operation: 'CREDIT' },
      });
      expect([401, 403]).toContain(wrongKey.statusCode);
    });

    it('POST validation: amount must be positive with ≤ 9 decimals; a tenant is required', async () => {
      const post = (payload: object) => call('root', { method: 'POST', url: '/v1/billing/balance', payload });
      expect((await post({ amount: 0, operation: 'CREDIT', tenant_id: tenantA })).json().error.field).toBe('amount');
      expect((await post({ amount: 0.0000000001, operation: 'CREDIT', tenant_id: tenantA })).json().error.field).toBe(
        'amount',
      );
      expect((await post({ amount: '5', operation: 'CREDIT', tenant_id: tenantA })).json().error.field).toBe('amount');
      expect((await post({ amount: 5, operation: 'CREDIT' })).json().error.field).toBe('tenant_id');
      const tooMuch = await post({ amount: 1e13, operation: 'CREDIT', tenant_id: tenantA });
      expect(tooMuch.statusCode).toBe(400);
      expect(tooMuch.json().error.field).toBe('amount');
      const debit = await post({ amount: 100_000, operation: 'DEBIT', tenant_id: tenantA });
      expect(debit.json().error.code).toBe('insufficient_balance');
    });
  });

  describe('transactions', () => {
    it('a tenant admin pages through their own transactions with postings', async () => {
      const first = await call('adminA', { method: 'GET', url: '/api/v1/billing/transactions?limit=2' });
      expect(first.statusCode, first.body).toBe(200);
      const page1 = first.json();
      expect(page1.items).toHaveLength(2);
      expect(page1.next_cursor).toBeTruthy();
      for (const item of page1.items) expect(item.tenant_id).toBe(tenantA);
      const rest = (
        await call('adminA', {
          method: 'GET',
          url: `/api/v1/billing/transactions?limit=50&cursor=${page1.next_cursor}`,
        })
      ).json();
      expect(rest.items).toHaveLength(2); // welcome credit, debit 2.34, +100 via key, −0.5 via JWT
      expect(rest.next_cursor).toBeNull();
      const ids = [...page1.items, ...rest.items].map((i: { id: string }) => i.id);
      expect(new Set(ids).size).toBe(4);
    });

    it('filters by kind and date; bad filters name the field', async () => {
      const none = await call('adminA', { method: 'GET', url: '/api/v1/billing/transactions?kind=top_up' });
      expect(none.json().items).toHaveLength(0);
      const today = new Date(t.clock.now()).toISOString().slice(0, 10);
      const within = await call('adminA', {
        method: 'GET',
        url: `/api/v1/billing/transactions?from=${today}&to=${today}&limit=50`,
      });
      expect(within.json().items).toHaveLength(4);
      const before = await call('adminA', { method: 'GET', url: '/api/v1/billing/transactions?to=2020-01-01' });
      expect(before.json().items).toHaveLength(0);
      const bad = await call('adminA', { method: 'GET', url: '/api/v1/billing/transactions?from=yesterday' });
      expect(bad.statusCode).toBe(400);
      expect(bad.json().error.field).toBe('from');
      expect(
        (await call('adminA', { method: 'GET', url: '/api/v1/billing/transactions?kind=gift' })).json().error.field,
      ).toBe('kind');
    });

    it('is scoped: another tenant is 404, tenant users are 403, platform admins see all', async () => {
      expect(
        (await call('adminB', { method: 'GET', url: `/api/v1/billing/transactions?tenant_id=${tenantA}` })).statusCode,
      ).toBe(404);
      expect((await call('userA', { method: 'GET', url: '/api/v1/billing/transactions' })).statusCode).toBe(403);
      const all = (await call('root', { method: 'GET', url: '/api/v1/billing/transactions?limit=200' })).json();
      expect(new Set(all.items.map((i: { tenant_id: string }) => i.tenant_id))).toEqual(new Set([tenantA, tenantB]));
    });
  });

  describe('prices and multipliers', () => {
    it('a platform admin adds price versions; everyone signed in reads current prices', async () => {
      const now = t.clock.now();
      const v1 = await call('root', {
        method: 'POST',
        url: '/api/v1/admin/prices',
        payload: {
          model: 'gpt-test',
          input_per_mtok: '2.50',
          output_per_mtok: '10',
          cached_input_per_mtok: '1.25',
          effective_from: new Date(now - 1000).toISOString(),
        },
      });
      expect(v1.statusCode, v1.body).toBe(201);
      expect(v1.json()).toMatchObject({
        model: 'gpt-test',
        input_per_mtok: '2.50',
        cached_input_per_mtok: '1.25',
        reasoning_per_mtok: '10.00',
        free: false,
      });
      const future = await call('root', {
        method: 'POST',
        url: '/api/v1/admin/prices',
        payload: {
          model: 'gpt-test',
          input_per_mtok: '3',
          output_per_mtok: '12',
          effective_from: new Date(now + 86_400_000).toISOString(),
        },
      });
      expect(future.statusCode).toBe(201);
      const current = await call('userA', { method: 'GET', url: '/api/v1/prices' });
      expect(current.statusCode).toBe(200);
      expect(current.json().items).toEqual([expect.objectContaining({ id: v1.json().id, input_per_mtok: '2.50' })]);
      expect(current.json().items[0]).not.toHaveProperty('created_by');
      const history = await call('root', { method: 'GET', url: '/api/v1/admin/prices?history=true&model=gpt-test' });
      expect(history.json().items.map((p: { input_per_mtok: string }) => p.input_per_mtok)).toEqual(['2.50', '3.00']);
      expect(t.money.pricing.priceAt('gpt-test', now)?.id).toBe(v1.json().id);
    });

    it('price writes: roles and validation naming the field', async () => {
      const body = { model: 'm', input_per_mtok: '1', output_per_mtok: '1' };
      expect((await call('adminA', { method: 'POST', url: '/api/v1/admin/prices', payload: body })).statusCode).toBe(
        403,
      );
      expect((await call('userA', { method: 'GET', url: '/api/v1/admin/prices' })).statusCode).toBe(403);
      expect((await call(null, { method: 'GET', url: '/api/v1/prices' })).statusCode).toBe(401);
      const bad = await call('root', {
        method: 'POST',
        url: '/api/v1/admin/prices',
        payload: { ...body, output_per_mtok: '1.1234567891' },
      });
      expect(bad.json().error).toMatchObject({ code: 'validation_error', field: 'output_per_mtok' });
      const badDate = await call('root', {
        method: 'POST',
        url: '/api/v1/admin/prices',
        payload: { ...body, effective_from: 'soon' },
      });
      expect(badDate.json().error.field).toBe('effective_from');
    });

    it('multipliers: PUT a version, GET it back; scoped to platform admins', async () => {
      const put = await call('root', {
        method: 'PUT',
        url: `/api/v1/admin/tenants/${tenantA}/multiplier`,
        payload: { multiplier: '1.25' },
      });
      expect(put.statusCode, put.body).toBe(200);
      expect(put.json()).toMatchObject({ tenant_id: tenantA, multiplier: '1.25' });
      const got = (await call('root', { method: 'GET', url: `/api/v1/admin/tenants/${tenantA}/multiplier` })).json();
      expect(got).toMatchObject({ multiplier: '1.25', versions: [expect.objectContaining({ multiplier: '1.25' })] });
      const fresh = (await call('root', { method: 'GET', url: `/api/v1/admin/tenants/${tenantB}/multiplier` })).json();
      expect(fresh).toMatchObject({ multiplier: '1.0', id: null, versions: [] });
      expect(t.money.pricing.multiplierAt(tenantA, t.clock.now()).ppm).toBe(1_250_000n);
      expect(
        (
          await call('root', {
            method: 'PUT',
            url: `/api/v1/admin/tenants/${tenantA}/multiplier`,
            payload: { multiplier: '0' },
          })
        ).json().error.field,
      ).toBe('multiplier');
      expect(
        (
          await call('root', {
            method: 'PUT',
            url: `/api/v1/admin/tenants/${tenantA}/multiplier`,
            payload: { multiplier: 'x' },
          })
        ).json().error.field,
      ).toBe('multiplier');
      expect(
        (await call('adminA', { method: 'GET', url: `/api/v1/admin/tenants/${tenantA}/multiplier` })).statusCode,
      ).toBe(403);
      expect((await call('root', { method: 'GET', url: '/api/v1/admin/tenants/ten_nope/multiplier' })).statusCode).toBe(
        404,
      );
    });
  });
});
