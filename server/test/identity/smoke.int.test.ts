import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { bearer, rootToken } from './helpers.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp('sqlite');
});
afterAll(async () => t.close());

it('boots, logs in the super admin and answers /me', async () => {
  const token = await rootToken(t);
  const res = await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(token) });
  expect(res.statusCode, res.body).toBe(200);
  expect(res.json().user.role).toBe('platform_admin');
});
