// Budget administration leaves a trace: every budget set, removed or reset is in the audit log
// (seed 003's reset-budgets with the admin service key as actor); a deleted tenant's budgets are
// gone from the API; a user budget can be removed.
import { describe, expect, it } from 'vitest';
import { ADMIN_SECRET_KEY } from '../support/app.js';
import { eachDialect } from '../support/db.js';
import { budgetApp } from './budget-app.js';
import { systemContext } from '../../src/identity/context.js';
import { bearer, makePerson, makeTenant } from '../identity/helpers.js';

eachDialect('budget audit', (dialect) => {
  const app = budgetApp(dialect);
  const { inject } = app;

  describe('audit and deleted tenants', () => {
    it('every budget change is audited: actor, tenant, budget, limit/period before and after', async () => {
      const put = (payload: object) =>
        inject({ method: 'PUT', url: '/api/v1/budgets', headers: bearer(app.w.adminA.token), payload });
      expect((await put({ scope: 'agent', agent: 'audited-bot', limit: '10' })).statusCode).toBe(200);
      expect((await put({ scope: 'agent', agent: 'audited-bot', limit: '12.5', period: 'daily' })).statusCode).toBe(
        200,
      );
      expect((await put({ scope: 'agent', agent: 'audited-bot', limit: null })).statusCode).toBe(200);
      const person = await makePerson(app.t, 'tenant_user', app.w.a.id);
      const user = await inject({
        method: 'PUT',
        url: `/api/v1/users/${person.id}/budget`,
        headers: bearer(app.w.adminA.token),
        payload: { total: '7' },
      });
      expect(user.statusCode, user.body).toBe(200);

      const target = `agent:${app.w.a.id}/audited-bot`;
      const entries = (await app.t.identity.audit.list({ tenantId: app.w.a.id, targetType: 'budget', limit: 50 }))
        .items;
      const agent = entries.filter((e) => e.target_id === target).reverse();
      expect(agent.map((e) => e.action)).toEqual(['budget.set', 'budget.set', 'budget.remove']);
      expect(agent[0]).toMatchObject({ actor: { email: app.w.adminA.email }, tenant_id: app.w.a.id });
      expect(agent[0]!.changes).toMatchObject({ limit: { from: null, to: '10.00' } });
      expect(agent[1]!.changes).toEqual({
        limit: { from: '10.00', to: '12.50' },
        period: { from: 'monthly', to: 'daily' },
      });
      expect(agent[2]!.changes).toMatchObject({ limit: { from: '12.50', to: null } });
      expect(entries.find((e) => e.target_id === `user:${person.id}`)).toMatchObject({
        action: 'budget.set',
        changes: { limit: { from: null, to: '7.00' } },
      });
    });

    it('seed 003 reset-budgets is audited with the admin service key as actor', async () => {
      const resets = async () =>
        (await app.t.identity.audit.list({ tenantId: null, action: 'budget.reset', limit: 50 })).items;
      const before = (await resets()).length;
      const res = await inject({
        method: 'POST',
        url: '/api/admin/reset-budgets',
        headers: { 'x-admin-key': ADMIN_SECRET_KEY },
      });
      expect(res.statusCode, res.body).toBe(200);
      const after = await resets();
      expect(after).toHaveLength(before + 1);
      expect(after[0]).toMatchObject({
        actor: { type: 'service', id: 'admin' },
        target_type: 'budget',
        changes: { user_budgets_reset: { from: null, to: res.json().reset } },
      });
    });

    it("a deleted tenant's budgets are not found, like its wallet", async () => {
      const gone = await makeTenant(app.t, 'Gone Inc');
      await app.t.identity.tenants.deactivate(gone.id, systemContext);
      const list = await inject({
        method: 'GET',
        url: `/api/v1/budgets?tenant_id=${gone.id}`,
        headers: bearer(app.w.root.token),
      });
      expect(list.statusCode).toBe(404);
      const put = await inject({
        method: 'PUT',
        url: `/api/v1/budgets?tenant_id=${gone.id}`,
        headers: bearer(app.w.root.token),
        payload: { scope: 'tenant', limit: '5' },
      });
      expect(put.statusCode).toBe(404);
      expect(await app.t.budgets.admin.state(`tenant:${gone.id}`)).toBeNull();
    });
  });

  describe('removing a user budget', () => {
    it('a tenant admin removes a user budget (audited); users, other tenants and repeats cannot', async () => {
      const person = await makePerson(app.t, 'tenant_user', app.w.a.id);
      const url = `/api/v1/users/${person.id}/budget`;
      const set = await inject({ method: 'PUT', url, headers: bearer(app.w.adminA.token), payload: { total: '9' } });
      expect(set.statusCode, set.body).toBe(200);
      expect((await inject({ method: 'DELETE', url, headers: bearer(person.token) })).statusCode).toBe(403);
      expect((await inject({ method: 'DELETE', url, headers: bearer(app.w.adminB.token) })).statusCode).toBe(404);
      const del = await inject({ method: 'DELETE', url, headers: bearer(app.w.adminA.token) });
      expect(del.statusCode, del.body).toBe(204);
      expect((await inject({ method: 'GET', url, headers: bearer(app.w.adminA.token) })).statusCode).toBe(404);
      const again = await inject({ method: 'DELETE', url, headers: bearer(app.w.adminA.token) });
      expect(again.statusCode).toBe(404);
      const entries = (await app.t.identity.audit.list({ tenantId: app.w.a.id, action: 'budget.remove', limit: 50 }))
        .items;
      expect(entries.find((e) => e.target_id === `user:${person.id}`)).toMatchObject({
        actor: { email: app.w.adminA.email },
        changes: { limit: { from: '9.00', to: null } },
      });
    });
  });
});
