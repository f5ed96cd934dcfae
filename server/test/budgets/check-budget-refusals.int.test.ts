// Seed 003's check-budget refusing what the gateway would refuse (exhausted budgets, an empty
// prepaid wallet, inactive users and organizations, exact estimates), through the whole app.
import { describe, expect, it } from 'vitest';
import { BILLING_API_KEY } from '../support/app.js';
import { eachDialect } from '../support/db.js';
import { budgetApp } from './budget-app.js';
import { systemContext } from '../../src/identity/context.js';
import { bearer, makePerson, makeTenant } from '../identity/helpers.js';
import { ledgerOf, meter, topUp } from './harness.js';

const USD = 1_000_000_000n;

eachDialect('seed 003 check-budget refusals', (dialect) => {
  const app = budgetApp(dialect, { fund: true });
  const { clock, inject } = app;

  describe('seed 003 check-budget refusals', () => {
    const check = (payload: object) =>
      inject({ method: 'POST', url: '/api/check-budget', headers: { 'x-api-key': BILLING_API_KEY }, payload });
    const spend = (requestId: string, tenantId: string, userId: string, amount: bigint) =>
      meter(
        app.t.db,
        ledgerOf(app.t.db, clock),
        app.t.budgets,
        [
          {
            requestId,
            tenantId,
            amount,
            attribution: {
              scopes: [
                { kind: 'user' as const, id: userId },
                { kind: 'wallet' as const, id: tenantId },
              ],
              leases: {},
            },
          },
        ],
        clock.now(),
      );
    const setUserBudget = async (adminToken: string, userId: string, total: string) => {
      const res = await inject({
        method: 'PUT',
        url: `/api/v1/users/${userId}/budget`,
        headers: bearer(adminToken),
        payload: { total },
      });
      expect(res.statusCode, res.body).toBe(200);
    };

    it('refuses an exhausted or overspent user budget when the body has no estimate', async () => {
      const spender = await makePerson(app.t, 'tenant_user', app.w.a.id);
      await setUserBudget(app.w.adminA.token, spender.id, '50.00');
      await spend('req_exhaust_1', app.w.a.id, spender.id, 50n * USD);
      const exhausted = await check({ user_id: spender.id, model: 'gpt-4' });
      expect(exhausted.statusCode, exhausted.body).toBe(200);
      expect(exhausted.json()).toEqual({
        allowed: false,
        budget: { total: 50, used: 50, remaining: 0 },
        status: 'active',
        message: 'User budget exceeded',
      });
      // An explicit estimate is refused as well.
      expect((await check({ user_id: spender.id, model: 'gpt-4', cost_estimate: 0.01 })).json().allowed).toBe(false);
      await spend('req_exhaust_2', app.w.a.id, spender.id, 5n * USD);
      const overspent = await check({ user_id: spender.id, model: 'gpt-4' });
      expect(overspent.json()).toMatchObject({
        allowed: false,
        budget: { total: 50, used: 55, remaining: 0 },
        message: 'User budget exceeded',
      });
      // The wallet still has money: it is the budget that refuses.
      expect((await check({ user_id: app.w.adminA.id, model: 'gpt-4' })).json()).toMatchObject({ allowed: true });
    });

    it('refuses a prepaid wallet at exactly zero when the body has no estimate', async () => {
      const tenant = await makeTenant(app.t, 'Tenant Drained');
      const admin = await makePerson(app.t, 'tenant_admin', tenant.id);
      await topUp(ledgerOf(app.t.db, clock), tenant.id, 10n * USD, `seed-topup-${tenant.id}`, clock.now());
      expect((await check({ user_id: admin.id, model: 'gpt-4' })).json()).toMatchObject({ allowed: true });
      await spend('req_drain_1', tenant.id, admin.id, 10n * USD);
      expect((await check({ user_id: admin.id, model: 'gpt-4' })).json()).toEqual({
        allowed: false,
        budget: { total: 0, used: 0, remaining: 0 },
        status: 'active',
        message: 'Insufficient wallet balance',
      });
      // A tenant that never had a wallet is no different.
      expect((await check({ user_id: app.w.userB.id, model: 'gpt-4' })).json()).toMatchObject({
        allowed: false,
        message: 'Insufficient wallet balance',
      });
    });

    it('refuses a user of a suspended (or deleted) organization, as the gateway does', async () => {
      const tenant = await makeTenant(app.t, 'Tenant Suspended');
      const admin = await makePerson(app.t, 'tenant_admin', tenant.id);
      await topUp(ledgerOf(app.t.db, clock), tenant.id, 100n * USD, `seed-topup-${tenant.id}`, clock.now());
      expect((await check({ user_id: admin.id, model: 'gpt-4', cost_estimate: 1 })).json()).toMatchObject({
        allowed: true,
      });
      await app.t.identity.tenants.update(tenant.id, { status: 'suspended' }, systemContext);
      expect((await check({ user_id: admin.id, model: 'gpt-4', cost_estimate: 1 })).json()).toEqual({
        allowed: false,
        budget: { total: 100, used: 0, remaining: 100 },
        status: 'active',
        message: 'Organization is suspended',
      });
      await app.t.identity.tenants.deactivate(tenant.id, systemContext);
      expect((await check({ user_id: admin.email, model: 'gpt-4' })).json()).toMatchObject({
        allowed: false,
        message: 'Organization is deleted',
      });
    });

    it('refuses a suspended user', async () => {
      const person = await makePerson(app.t, 'tenant_user', app.w.a.id);
      await app.t.identity.users.suspend(person.id, systemContext);
      expect((await check({ user_id: person.id, model: 'gpt-4', cost_estimate: 0.01 })).json()).toMatchObject({
        allowed: false,
        status: 'suspended',
        message: 'User is suspended',
      });
    });

    it('reads cost_estimate exactly as written: 999999999.99 fits a budget of 999999999.99', async () => {
      const tenant = await makeTenant(app.t, 'Tenant Large');
      const admin = await makePerson(app.t, 'tenant_admin', tenant.id);
      await topUp(ledgerOf(app.t.db, clock), tenant.id, 1_000_000_000n * USD, `seed-topup-${tenant.id}`, clock.now());
      await setUserBudget(admin.token, admin.id, '999999999.99');
      // toFixed(9) made this 999999999.990000010, one hair above the budget.
      expect((await check({ user_id: admin.id, model: 'gpt-4', cost_estimate: 999999999.99 })).json()).toMatchObject({
        allowed: true,
        message: 'OK',
      });
      expect((await check({ user_id: admin.id, model: 'gpt-4', cost_estimate: 999999999.991 })).json()).toMatchObject({
        allowed: false,
        message: 'User budget exceeded',
      });
    });
  });
});
