// Budget routes and seed 003's check-budget / reset-budgets through the whole app (app.inject).
import { describe, expect, it } from 'vitest';
import { ADMIN_SECRET_KEY, BILLING_API_KEY } from '../support/app.js';
import { eachDialect } from '../support/db.js';
import { budgetApp } from './budget-app.js';
import { bearer } from '../identity/helpers.js';
import { ledgerOf, meter } from './harness.js';

eachDialect('budget routes', (dialect) => {
  const app = budgetApp(dialect, { fund: true });
  const { clock, inject } = app;

  describe('tenant and agent budgets', () => {
    it('a tenant admin sets and lists the tenant budget and an agent budget', async () => {
      let res = await inject({
        method: 'PUT',
        url: '/api/v1/budgets',
        headers: bearer(app.w.adminA.token),
        payload: { scope: 'tenant', limit: '500.00' },
      });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json().budget).toMatchObject({
        kind: 'tenant',
        limit: '500.00',
        period: 'monthly',
        spent: '0.00',
        remaining: '500.00',
        resets_at: '2026-04-01T00:00:00.000Z',
      });
      res = await inject({
        method: 'PUT',
        url: '/api/v1/budgets',
        headers: bearer(app.w.adminA.token),
        payload: { scope: 'agent', agent: 'support-bot', limit: '25.5', period: 'weekly' },
      });
      expect(res.statusCode, res.body).toBe(200);
      res = await inject({ method: 'GET', url: '/api/v1/budgets', headers: bearer(app.w.adminA.token) });
      expect(res.statusCode).toBe(200);
      const budgets = res.json().budgets as { scope_key: string; limit: string }[];
      expect(budgets.map((b) => [b.scope_key, b.limit])).toEqual([
        [`agent:${app.w.a.id}/support-bot`, '25.50'],
        [`tenant:${app.w.a.id}`, '500.00'],
      ]);
    });

    it('removes a budget with limit null', async () => {
      await inject({
        method: 'PUT',
        url: '/api/v1/budgets',
        headers: bearer(app.w.adminA.token),
        payload: { scope: 'agent', agent: 'tmp', limit: '1' },
      });
      const res = await inject({
        method: 'PUT',
        url: '/api/v1/budgets',
        headers: bearer(app.w.adminA.token),
        payload: { scope: 'agent', agent: 'tmp', limit: null },
      });
      expect(res.json()).toEqual({ budget: null });
    });

    it("another tenant's id is a 404; tenant users may not manage budgets; bad input is a 400", async () => {
      expect(
        (
          await inject({
            method: 'GET',
            url: `/api/v1/budgets?tenant_id=${app.w.a.id}`,
            headers: bearer(app.w.adminB.token),
          })
        ).statusCode,
      ).toBe(404);
      expect(
        (await inject({ method: 'GET', url: '/api/v1/budgets', headers: bearer(app.w.userA.token) })).statusCode,
      ).toBe(403);
      expect((await inject({ method: 'GET', url: '/api/v1/budgets' })).statusCode).toBe(401);
      const bad = await inject({
        method: 'PUT',
        url: '/api/v1/budgets',
        headers: bearer(app.w.adminA.token),
        payload: { scope: 'tenant', limit: '-5' },
      });
      expect(bad.statusCode).toBe(400);
      expect(bad.json().error.code).toBe('validation_error');
      const noAgent = await inject({
        method: 'PUT',
        url: '/api/v1/budgets',
        headers: bearer(app.w.adminA.token),
        payload: { scope: 'agent', limit: '5' },
      });
      expect(noAgent.statusCode).toBe(400);
      // An agent named on the tenant budget is refused, not silently dropped.
      const stray = await inject({
        method: 'PUT',
        url: '/api/v1/budgets',
        headers: bearer(app.w.adminA.token),
        payload: { scope: 'tenant', agent: 'support-bot', limit: '7' },
      });
      expect(stray.statusCode).toBe(400);
      expect(stray.json().error).toMatchObject({ code: 'validation_error', field: 'agent' });
      // A platform admin must name the tenant, and an unknown one is a 404.
      expect(
        (await inject({ method: 'GET', url: '/api/v1/budgets', headers: bearer(app.w.root.token) })).statusCode,
      ).toBe(400);
      expect(
        (await inject({ method: 'GET', url: '/api/v1/budgets?tenant_id=ten_nope', headers: bearer(app.w.root.token) }))
          .statusCode,
      ).toBe(404);
      expect(
        (
          await inject({
            method: 'GET',
            url: `/api/v1/budgets?tenant_id=${app.w.a.id}`,
            headers: bearer(app.w.root.token),
          })
        ).statusCode,
      ).toBe(200);
    });
  });

  describe('user budgets (seed 002 fields)', () => {
    it('a tenant admin sets a user budget; the user reads it as /me/budget', async () => {
      const res = await inject({
        method: 'PUT',
        url: `/api/v1/users/${app.w.userA.id}/budget`,
        headers: bearer(app.w.adminA.token),
        payload: { total: '50.00' },
      });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toEqual({
        user_id: app.w.userA.id,
        total: '50.00',
        used: '0.00',
        reserved: '0.00',
        remaining: '50.00',
        period: 'monthly',
        reset_date: '2026-04-01T00:00:00.000Z',
      });
      const me = await inject({ method: 'GET', url: '/api/v1/me/budget', headers: bearer(app.w.userA.token) });
      expect(me.statusCode).toBe(200);
      expect(me.json().total).toBe('50.00');
      const own = await inject({
        method: 'GET',
        url: `/api/v1/users/${app.w.userA.id}/budget`,
        headers: bearer(app.w.userA.token),
      });
      expect(own.statusCode).toBe(200);
    });

    it('cross-tenant and other-user access is a 404; users cannot set budgets', async () => {
      expect(
        (
          await inject({
            method: 'GET',
            url: `/api/v1/users/${app.w.userA.id}/budget`,
            headers: bearer(app.w.adminB.token),
          })
        ).statusCode,
      ).toBe(404);
      expect(
        (
          await inject({
            method: 'PUT',
            url: `/api/v1/users/${app.w.userA.id}/budget`,
            headers: bearer(app.w.adminB.token),
            payload: { total: '1' },
          })
        ).statusCode,
      ).toBe(404);
      expect(
        (
          await inject({
            method: 'GET',
            url: `/api/v1/users/${app.w.adminA.id}/budget`,
            headers: bearer(app.w.userA.token),
          })
        ).statusCode,
      ).toBe(404);
      expect(
        (
          await inject({
            method: 'PUT',
            url: `/api/v1/users/${app.w.userA.id}/budget`,
            headers: bearer(app.w.userA.token),
            payload: { total: '1' },
          })
        ).statusCode,
      ).toBe(403);
      expect(
        (await inject({ method: 'GET', url: '/api/v1/me/budget', headers: bearer(app.w.userB.token) })).statusCode,
      ).toBe(404);
    });
  });

  describe('seed 003 check-budget', () => {
    const check = (payload: unknown, key = BILLING_API_KEY) =>
      inject({ method: 'POST', url: '/api/check-budget', headers: { 'x-api-key': key }, payload: payload as object });

    it('answers the seed shape: allowed, budget {total, used, remaining} as numbers, status, message', async () => {
      // Spend 12.34 of the user's 50.00 through the metering path (recordSpend, no lease).
      const attribution = {
        scopes: [
          { kind: 'user' as const, id: app.w.userA.id },
          { kind: 'wallet' as const, id: app.w.a.id },
        ],
        leases: {},
      };
      await meter(
        app.t.db,
        ledgerOf(app.t.db, clock),
        app.t.budgets,
        [{ requestId: 'req_chk_1', tenantId: app.w.a.id, amount: 12_340_000_000n, attribution }],
        clock.now(),
      );
      const res = await check({
        user_id: app.w.userA.id,
        model: 'gpt-4',
        tokens_input: 100,
        tokens_output: 200,
        cost_estimate: 0.05,
      });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toEqual({
        allowed: true,
        budget: { total: 50, used: 12.34, remaining: 37.66 },
        status: 'active',
        message: 'OK',
      });
    });

    it('accepts an email as user_id and refuses an estimate beyond the remaining budget', async () => {
      const res = await check({ user_id: app.w.userA.email, model: 'gpt-4', cost_estimate: 40 });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({
        allowed: false,
        message: 'User budget exceeded',
        budget: { remaining: 37.66 },
      });
    });

    it('without a user budget the wallet is the limit', async () => {
      const res = await check({ user_id: app.w.adminA.id, model: 'gpt-4', cost_estimate: 10 });
      expect(res.json()).toMatchObject({ allowed: true, message: 'OK' });
      const poor = await check({ user_id: app.w.userB.id, model: 'gpt-4', cost_estimate: 0.01 });
      expect(poor.json()).toMatchObject({
        allowed: false,
        message: 'Insufficient wallet balance',
        budget: { total: 0, used: 0, remaining: 0 },
      });
    });

    it('null estimate fields count as absent', async () => {
      const res = await check({
        user_id: app.w.userA.id,
        model: 'gpt-4',
        tokens_input: null,
        tokens_output: null,
        cost_estimate: null,
      });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toMatchObject({ allowed: true, status: 'active', message: 'OK', budget: { total: 50 } });
    });

    it('401 with a wrong or missing key, 404 for an unknown user, 400 for a bad body', async () => {
      expect((await check({ user_id: app.w.userA.id, model: 'gpt-4' }, 'wrong-key-wrong-key-123')).statusCode).toBe(
        401,
      );
      expect(
        (await inject({ method: 'POST', url: '/api/check-budget', payload: { user_id: 'x', model: 'y' } })).statusCode,
      ).toBe(401);
      const unknown = await check({ user_id: 'usr_does_not_exist', model: 'gpt-4', cost_estimate: 1 });
      expect(unknown.statusCode).toBe(404);
      expect(unknown.json().error.code).toBe('not_found');
      expect((await check({ model: 'gpt-4' })).statusCode).toBe(400);
      expect((await check({ user_id: app.w.userA.id, model: 'gpt-4', cost_estimate: -1 })).statusCode).toBe(400);
      expect((await check({ user_id: app.w.userA.id, model: 'gpt-4', tokens_input: 1.5 })).statusCode).toBe(400);
      // The admin key is not the billing key.
      expect(
        (await check({ user_id: app.w.userA.id, model: 'gpt-4' }, ADMIN_SECRET_KEY)).statusCode,
      ).toBeGreaterThanOrEqual(401);
    });
  });

  describe('seed 003 reset-budgets', () => {
    it('starts a new period for every user budget now', async () => {
      clock.advance(60_000);
      const res = await inject({
        method: 'POST',
        url: '/api/admin/reset-budgets',
        headers: { 'x-admin-key': ADMIN_SECRET_KEY },
      });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toEqual({ message: 'Budgets reset successfully', reset: 1 });
      const after = await inject({
        method: 'POST',
        url: '/api/check-budget',
        headers: { 'x-api-key': BILLING_API_KEY },
        payload: { user_id: app.w.userA.id, model: 'gpt-4', cost_estimate: 40 },
      });
      expect(after.json()).toMatchObject({ allowed: true, budget: { total: 50, used: 0, remaining: 50 } });
    });

    it('takes the call as schedulers send it: no body, or an empty one under Content-Type: application/json', async () => {
      const headers = { 'x-admin-key': ADMIN_SECRET_KEY };
      for (const req of [
        { headers: { ...headers, 'content-type': 'application/json' } },
        { headers: { ...headers, 'content-type': 'application/json; charset=utf-8' } },
        { headers, payload: {} },
      ]) {
        const res = await inject({ method: 'POST', url: '/api/admin/reset-budgets', ...req });
        expect(res.statusCode, res.body).toBe(200);
        expect(res.json()).toMatchObject({ message: 'Budgets reset successfully' });
      }
      const bad = await inject({
        method: 'POST',
        url: '/api/admin/reset-budgets',
        headers: { ...headers, 'content-type': 'application/json' },
        payload: '{not json',
      });
      expect(bad.statusCode).toBe(400);
    });

    it('401 without or with a wrong admin key; the billing key is not enough', async () => {
      expect((await inject({ method: 'POST', url: '/api/admin/reset-budgets' })).statusCode).toBe(401);
      expect(
        (
          await inject({
            method: 'POST',
            url: '/api/admin/reset-budgets',
            headers: { 'x-admin-key': 'nope-nope-nope-nope-1' },
          })
        ).statusCode,
      ).toBe(401);
      expect(
        (await inject({ method: 'POST', url: '/api/admin/reset-budgets', headers: { 'x-api-key': BILLING_API_KEY } }))
          .statusCode,
      ).toBe(403);
    });
  });
});
