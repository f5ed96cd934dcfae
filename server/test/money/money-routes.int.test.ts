// Wallet, adjustments, seed 001 balance and transaction routes through the real HTTP stack and identity:
// happy paths, validation naming the field, roles, tenancy.
import { describe, expect, it } from 'vitest';
import { eachDialect } from '../support/db.js';
import { moneyRoutesFixture } from './money-routes-fixture.js';
import { ADMIN_SECRET_KEY, SUPER_ADMIN } from '../support/app.js';

eachDialect('money routes: wallets, balance, transactions', (dialect) => {
  const f = moneyRoutesFixture(dialect);

  describe('wallet and adjustments', () => {
    it('a platform admin credits a wallet; the tenant sees it as decimal strings', async () => {
      const res = await f.adjust(
        f.tenantA,
        { amount: '12.34', operation: 'CREDIT', reason: 'welcome credit' },
        { 'idempotency-key': 'welcome-1' },
      );
      expect(res.statusCode, res.body).toBe(201);
      const body = res.json();
      expect(body.wallet).toMatchObject({
        tenant_id: f.tenantA,
        balance: '12.34',
        available: '12.34',
        reserved: '0.00',
        mode: 'prepaid',
        currency: 'USD',
      });
      expect(body.transaction).toMatchObject({ kind: 'adjustment', memo: 'welcome credit', tenant_id: f.tenantA });
      expect(body.transaction.postings).toEqual(
        expect.arrayContaining([{ account: `wallet:${f.tenantA}`, amount: '12.34' }]),
      );

      const mine = await f.call('userA', { method: 'GET', url: '/api/v1/billing/wallet' });
      expect(mine.statusCode).toBe(200);
      expect(mine.json()).toMatchObject({ tenant_id: f.tenantA, balance: '12.34' });
    });

    it('the same Idempotency-Key replays (200, no second credit); with other content it is a 409', async () => {
      const again = await f.adjust(
        f.tenantA,
        { amount: '12.34', operation: 'CREDIT', reason: 'welcome credit' },
        { 'idempotency-key': 'welcome-1' },
      );
      expect(again.statusCode).toBe(200);
      expect(again.json()).toMatchObject({ replayed: true, wallet: { balance: '12.34' } });
      const conflict = await f.adjust(
        f.tenantA,
        { amount: '99', operation: 'CREDIT', reason: 'welcome credit' },
        { 'idempotency-key': 'welcome-1' },
      );
      expect(conflict.statusCode).toBe(409);
      expect(conflict.json().error.code).toBe('idempotency_conflict');
    });

    it('records an audit entry for the adjustment', async () => {
      const page = await f.t.identity.audit.list({ tenantId: f.tenantA, action: 'wallet.credit', limit: 10 });
      expect(page.items).toHaveLength(1);
      expect(page.items[0]).toMatchObject({
        target_type: 'wallet',
        target_id: f.tenantA,
        actor: { email: SUPER_ADMIN.email },
      });
    });

    it('a DEBIT beyond the prepaid wallet is refused with insufficient_balance and changes nothing', async () => {
      const res = await f.adjust(f.tenantA, { amount: '12.35', operation: 'DEBIT', reason: 'too much' });
      expect(res.statusCode).toBe(402);
      expect(res.json().error.code).toBe('insufficient_balance');
      const ok = await f.adjust(f.tenantA, { amount: '2.34', operation: 'DEBIT', reason: 'correction' });
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
      const res = await f.adjust(f.tenantA, payload);
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json().error).toMatchObject({ code: 'validation_error', field });
    });

    it('only platform admins f.adjust; unknown tenants are 404; anonymous is 401', async () => {
      expect(
        (await f.adjust(f.tenantA, { amount: '1', operation: 'CREDIT', reason: 'x' }, {}, 'adminA')).statusCode,
      ).toBe(403);
      expect(
        (await f.adjust(f.tenantA, { amount: '1', operation: 'CREDIT', reason: 'x' }, {}, 'sales')).statusCode,
      ).toBe(403);
      expect((await f.adjust('ten_doesnotexist', { amount: '1', operation: 'CREDIT', reason: 'x' })).statusCode).toBe(
        404,
      );
      const anon = await f.call(null, {
        method: 'POST',
        url: `/api/v1/admin/tenants/${f.tenantA}/wallet/adjustments`,
        payload: { amount: '1', operation: 'CREDIT', reason: 'x' },
      });
      expect(anon.statusCode).toBe(401);
    });

    it('wallet reads are tenant-scoped: another tenant is 404, platform admins name one', async () => {
      expect(
        (await f.call('adminB', { method: 'GET', url: `/api/v1/billing/wallet?tenant_id=${f.tenantA}` })).statusCode,
      ).toBe(404);
      const noTenant = await f.call('root', { method: 'GET', url: '/api/v1/billing/wallet' });
      expect(noTenant.statusCode).toBe(400);
      expect(noTenant.json().error.field).toBe('tenant_id');
      expect(
        (await f.call('root', { method: 'GET', url: `/api/v1/billing/wallet?tenant_id=${f.tenantA}` })).json().balance,
      ).toBe('10.00');
      expect(
        (await f.call('root', { method: 'GET', url: '/api/v1/billing/wallet?tenant_id=ten_nope' })).statusCode,
      ).toBe(404);
      expect(
        (await f.call('sales', { method: 'GET', url: `/api/v1/billing/wallet?tenant_id=${f.tenantA}` })).statusCode,
      ).toBe(403);
    });

    it('PUT wallet switches to postpaid with a credit limit (platform admin only)', async () => {
      const res = await f.call('root', {
        method: 'PUT',
        url: `/api/v1/admin/tenants/${f.tenantB}/wallet`,
        payload: { mode: 'postpaid', credit_limit: '100' },
      });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toMatchObject({
        mode: 'postpaid',
        credit_limit: '100.00',
        available: '100.00',
        balance: '0.00',
      });
      const debit = await f.adjust(f.tenantB, { amount: '40', operation: 'DEBIT', reason: 'usage' });
      expect(debit.json().wallet).toMatchObject({ balance: '-40.00', available: '60.00' });
      expect(
        (
          await f.call('adminB', {
            method: 'PUT',
            url: `/api/v1/admin/tenants/${f.tenantB}/wallet`,
            payload: { mode: 'prepaid' },
          })
        ).statusCode,
      ).toBe(403);
      const bad = await f.call('root', {
        method: 'PUT',
        url: `/api/v1/admin/tenants/${f.tenantB}/wallet`,
        payload: { mode: 'credit' },
      });
      expect(bad.json().error.field).toBe('mode');
    });

    it('a credit limit is for postpaid only: refused with prepaid, dropped by a switch to prepaid', async () => {
      const put = (payload: object) =>
        f.call('root', { method: 'PUT', url: `/api/v1/admin/tenants/${f.tenantA}/wallet`, payload });
      const refused = await put({ mode: 'prepaid', credit_limit: '500' });
      expect(refused.statusCode).toBe(400);
      expect(refused.json().error.field).toBe('credit_limit');
      expect((await put({ mode: 'postpaid', credit_limit: '30' })).json()).toMatchObject({ credit_limit: '30.00' });
      expect((await put({ mode: 'prepaid' })).json()).toMatchObject({ mode: 'prepaid', credit_limit: '0.00' });
      // Back to postpaid without a limit: none, not the one set before (nor the 500 refused above).
      expect((await put({ mode: 'postpaid' })).json()).toMatchObject({ mode: 'postpaid', credit_limit: '0.00' });
      expect((await put({ mode: 'prepaid' })).statusCode).toBe(200);
    });
  });

  describe('seed 001 /v1/billing/balance', () => {
    it('GET gives the caller tenant balance as numbers plus the exact string', async () => {
      const res = await f.call('userA', { method: 'GET', url: '/v1/billing/balance' });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({
        tenant_id: f.tenantA,
        balance: 10,
        currency: 'USD',
        balance_exact: '10.00',
        available: 10,
      });
      expect(
        (await f.call('userA', { method: 'GET', url: `/v1/billing/balance?tenant_id=${f.tenantB}` })).statusCode,
      ).toBe(404);
      const viaKey = await f.t.app.inject({
        method: 'GET',
        url: `/v1/billing/balance?tenant_id=${f.tenantA}`,
        headers: { 'x-admin-key': ADMIN_SECRET_KEY },
      });
      expect(viaKey.json()).toMatchObject({ tenant_id: f.tenantA, balance: 10 });
    });

    it('POST {amount, operation} works with the admin service key and a platform admin, not a tenant admin', async () => {
      const viaKey = await f.t.app.inject({
        method: 'POST',
        url: `/v1/billing/balance?tenant_id=${f.tenantA}`,
        headers: { 'x-admin-key': ADMIN_SECRET_KEY },
        payload: { amount: 100.0, operation: 'CREDIT' },
      });
      expect(viaKey.statusCode, viaKey.body).toBe(200);
      expect(viaKey.json()).toMatchObject({ balance: 110, balance_exact: '110.00', replayed: false });
      const viaJwt = await f.call('root', {
        method: 'POST',
        url: '/v1/billing/balance',
        payload: { amount: 0.5, operation: 'DEBIT', tenant_id: f.tenantA },
      });
      expect(viaJwt.json()).toMatchObject({ balance: 109.5 });
      expect(
        (
          await f.call('adminA', {
            method: 'POST',
            url: '/v1/billing/balance',
            payload: { amount: 1, operation: 'CREDIT', tenant_id: f.tenantA },
          })
        ).statusCode,
      ).toBe(403);
      const wrongKey = await f.t.app.inject({
        method: 'POST',
        url: `/v1/billing/balance?tenant_id=${f.tenantA}`,
        headers: { 'x-admin-key': 'wrong-key-wrong-key' },
        payload: { amount: 1, operation: 'CREDIT' },
      });
      expect([401, 403]).toContain(wrongKey.statusCode);
    });

    it('POST validation: amount must be positive with ≤ 9 decimals; a tenant is required', async () => {
      const post = (payload: object) => f.call('root', { method: 'POST', url: '/v1/billing/balance', payload });
      expect((await post({ amount: 0, operation: 'CREDIT', tenant_id: f.tenantA })).json().error.field).toBe('amount');
      expect((await post({ amount: 0.0000000001, operation: 'CREDIT', tenant_id: f.tenantA })).json().error.field).toBe(
        'amount',
      );
      expect((await post({ amount: '5', operation: 'CREDIT', tenant_id: f.tenantA })).json().error.field).toBe(
        'amount',
      );
      expect((await post({ amount: 5, operation: 'CREDIT' })).json().error.field).toBe('tenant_id');
      const tooMuch = await post({ amount: 1e13, operation: 'CREDIT', tenant_id: f.tenantA });
      expect(tooMuch.statusCode).toBe(400);
      expect(tooMuch.json().error.field).toBe('amount');
      const debit = await post({ amount: 100_000, operation: 'DEBIT', tenant_id: f.tenantA });
      expect(debit.json().error.code).toBe('insufficient_balance');
    });
  });

  describe('transactions', () => {
    it('a tenant admin pages through their own transactions with postings', async () => {
      const first = await f.call('adminA', { method: 'GET', url: '/api/v1/billing/transactions?limit=2' });
      expect(first.statusCode, first.body).toBe(200);
      const page1 = first.json();
      expect(page1.items).toHaveLength(2);
      expect(page1.next_cursor).toBeTruthy();
      for (const item of page1.items) expect(item.tenant_id).toBe(f.tenantA);
      const rest = (
        await f.call('adminA', {
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
      const none = await f.call('adminA', { method: 'GET', url: '/api/v1/billing/transactions?kind=top_up' });
      expect(none.json().items).toHaveLength(0);
      const today = new Date(f.t.clock.now()).toISOString().slice(0, 10);
      const within = await f.call('adminA', {
        method: 'GET',
        url: `/api/v1/billing/transactions?from=${today}&to=${today}&limit=50`,
      });
      expect(within.json().items).toHaveLength(4);
      const before = await f.call('adminA', { method: 'GET', url: '/api/v1/billing/transactions?to=2020-01-01' });
      expect(before.json().items).toHaveLength(0);
      const bad = await f.call('adminA', { method: 'GET', url: '/api/v1/billing/transactions?from=yesterday' });
      expect(bad.statusCode).toBe(400);
      expect(bad.json().error.field).toBe('from');
      expect(
        (await f.call('adminA', { method: 'GET', url: '/api/v1/billing/transactions?kind=gift' })).json().error.field,
      ).toBe('kind');
    });

    it('is scoped: another tenant is 404, tenant users are 403, platform admins see all', async () => {
      expect(
        (await f.call('adminB', { method: 'GET', url: `/api/v1/billing/transactions?tenant_id=${f.tenantA}` }))
          .statusCode,
      ).toBe(404);
      expect((await f.call('userA', { method: 'GET', url: '/api/v1/billing/transactions' })).statusCode).toBe(403);
      const all = (await f.call('root', { method: 'GET', url: '/api/v1/billing/transactions?limit=200' })).json();
      expect(new Set(all.items.map((i: { tenant_id: string }) => i.tenant_id))).toEqual(
        new Set([f.tenantA, f.tenantB]),
      );
    });
  });
});
