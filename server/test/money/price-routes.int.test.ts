// Price and multiplier routes through the real HTTP stack and identity: happy
// paths, validation naming the field, roles, tenancy.
import { describe, expect, it } from 'vitest';
import { InProcessBus } from '../../src/bus/bus.js';
import { InMemoryPriceCatalog } from '../../src/pricing/price-catalog.js';
import { createPriceStore } from '../../src/pricing/price-store.js';
import { eachDialect } from '../support/db.js';
import { moneyRoutesFixture } from './money-routes-fixture.js';

eachDialect('money routes: prices and multipliers', (dialect) => {
  const f = moneyRoutesFixture(dialect);

  describe('prices and multipliers', () => {
    it('a platform admin adds price versions; everyone signed in reads current prices', async () => {
      const now = f.t.clock.now();
      const v1 = await f.call('root', {
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
      const future = await f.call('root', {
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
      const current = await f.call('userA', { method: 'GET', url: '/api/v1/prices' });
      expect(current.statusCode).toBe(200);
      expect(current.json().items).toEqual([expect.objectContaining({ id: v1.json().id, input_per_mtok: '2.50' })]);
      expect(current.json().items[0]).not.toHaveProperty('created_by');
      const history = await f.call('root', { method: 'GET', url: '/api/v1/admin/prices?history=true&model=gpt-test' });
      expect(history.json().items.map((p: { input_per_mtok: string }) => p.input_per_mtok)).toEqual(['2.50', '3.00']);
      expect(f.t.money.pricing.priceAt('gpt-test', now)?.id).toBe(v1.json().id);
    });

    it('re-posting the rates in force is a 200 no-op: no new version, no audit entry', async () => {
      const body = { model: 'gpt-same', input_per_mtok: '1', output_per_mtok: '2' };
      const first = await f.call('root', { method: 'POST', url: '/api/v1/admin/prices', payload: body });
      expect(first.statusCode, first.body).toBe(201);
      const again = await f.call('root', { method: 'POST', url: '/api/v1/admin/prices', payload: body });
      expect(again.statusCode, again.body).toBe(200);
      expect(again.json()).toEqual(first.json());
      const audit = await f.t.identity.audit.list({ tenantId: null, action: 'price.set', limit: 50 });
      expect(audit.items.filter((e) => e.target_id === first.json().id)).toHaveLength(1);
      expect(f.t.money.pricing.versionsOf('gpt-same', null)).toHaveLength(1);
    });

    it('re-posting a version another process wrote (not in this catalog yet) answers it, not a 500', async () => {
      const other = createPriceStore(f.t.db.kysely, new InMemoryPriceCatalog(), new InProcessBus(), () =>
        f.t.clock.now(),
      );
      const written = await other.setPrice(
        { model: 'gpt-elsewhere', inputPerMTok: '3', outputPerMTok: '4', effectiveFrom: 0 },
        null,
      );
      expect(f.t.money.pricing.versionsOf('gpt-elsewhere', null)).toHaveLength(0);
      const res = await f.call('root', {
        method: 'POST',
        url: '/api/v1/admin/prices',
        payload: { model: 'gpt-elsewhere', input_per_mtok: '3.00', output_per_mtok: '4' },
      });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toMatchObject({ id: written.id, input_per_mtok: '3.00', output_per_mtok: '4.00' });
    });

    it('price writes: roles and validation naming the field', async () => {
      const body = { model: 'm', input_per_mtok: '1', output_per_mtok: '1' };
      expect((await f.call('adminA', { method: 'POST', url: '/api/v1/admin/prices', payload: body })).statusCode).toBe(
        403,
      );
      expect((await f.call('userA', { method: 'GET', url: '/api/v1/admin/prices' })).statusCode).toBe(403);
      expect((await f.call(null, { method: 'GET', url: '/api/v1/prices' })).statusCode).toBe(401);
      const bad = await f.call('root', {
        method: 'POST',
        url: '/api/v1/admin/prices',
        payload: { ...body, output_per_mtok: '1.1234567891' },
      });
      expect(bad.json().error).toMatchObject({ code: 'validation_error', field: 'output_per_mtok' });
      const badDate = await f.call('root', {
        method: 'POST',
        url: '/api/v1/admin/prices',
        payload: { ...body, effective_from: 'soon' },
      });
      expect(badDate.json().error.field).toBe('effective_from');
    });

    it('multipliers: PUT a version, GET it back; scoped to platform admins', async () => {
      const put = await f.call('root', {
        method: 'PUT',
        url: `/api/v1/admin/tenants/${f.tenantA}/multiplier`,
        payload: { multiplier: '1.25' },
      });
      expect(put.statusCode, put.body).toBe(200);
      expect(put.json()).toMatchObject({ tenant_id: f.tenantA, multiplier: '1.25' });
      const got = (
        await f.call('root', { method: 'GET', url: `/api/v1/admin/tenants/${f.tenantA}/multiplier` })
      ).json();
      expect(got).toMatchObject({ multiplier: '1.25', versions: [expect.objectContaining({ multiplier: '1.25' })] });
      const fresh = (
        await f.call('root', { method: 'GET', url: `/api/v1/admin/tenants/${f.tenantB}/multiplier` })
      ).json();
      expect(fresh).toMatchObject({ multiplier: '1.0', id: null, versions: [] });
      expect(f.t.money.pricing.multiplierAt(f.tenantA, f.t.clock.now()).ppm).toBe(1_250_000n);
      expect(
        (
          await f.call('root', {
            method: 'PUT',
            url: `/api/v1/admin/tenants/${f.tenantA}/multiplier`,
            payload: { multiplier: '0' },
          })
        ).json().error.field,
      ).toBe('multiplier');
      expect(
        (
          await f.call('root', {
            method: 'PUT',
            url: `/api/v1/admin/tenants/${f.tenantA}/multiplier`,
            payload: { multiplier: 'x' },
          })
        ).json().error.field,
      ).toBe('multiplier');
      expect(
        (await f.call('adminA', { method: 'GET', url: `/api/v1/admin/tenants/${f.tenantA}/multiplier` })).statusCode,
      ).toBe(403);
      expect(
        (await f.call('root', { method: 'GET', url: '/api/v1/admin/tenants/ten_nope/multiplier' })).statusCode,
      ).toBe(404);
    });
  });
});
