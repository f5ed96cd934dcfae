// The liveness routes the seeds name: seed 003's `GET /` and seed 001's `GET /health`, public, JSON
// health to programs (the web app only to a browser asking for HTML); `GET /ready` checks the database.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp('sqlite');
});
afterAll(async () => t?.close());

it.each(['/', '/health'])('GET %s answers health without credentials', async (url) => {
  for (const accept of [undefined, 'application/json', '*/*']) {
    const res = await t.app.inject({ method: 'GET', url, headers: accept ? { accept } : {} });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.json()).toMatchObject({ status: 'ok' });
  }
});

it('GET /ready reports the database', async () => {
  const res = await t.app.inject({ method: 'GET', url: '/ready' });
  expect(res.statusCode).toBe(200);
  expect(res.json()).toEqual({ status: 'ready', database: 'ok' });
});
