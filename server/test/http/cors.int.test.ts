// CORS_ORIGINS (seed 003: "CORS configured for specific origins"): browsers on a listed origin may
// call the admin API and the gateway — preflight, the allow-origin header on answers written by
// Fastify and on gateway answers written straight to the socket (JSON and streams), and the
// gateway's own headers exposed to the page. Other origins get no CORS headers; a malformed origin
// stops start-up. Without the variable nothing changes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { createWorld, type World } from '../gateway/world.js';

const ALLOWED = 'https://admin.example.com';
const catalog = {
  providers: [{ id: 'demo', type: 'echo' }],
  models: [
    {
      name: 'echo-1',
      deployments: [{ provider: 'demo', model: 'echo' }],
      pricing: { input_per_mtok: '1', output_per_mtok: '2' },
    },
  ],
};

describe('CORS_ORIGINS', () => {
  let w: World;
  beforeAll(async () => {
    w = await createWorld({ catalog, wallet: '10', env: { CORS_ORIGINS: `${ALLOWED}, https://other.example.com` } });
  });
  afterAll(async () => w?.close());

  const chat = (origin: string, stream = false) =>
    fetch(`${w.baseUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${w.secret}`, 'content-type': 'application/json', origin },
      body: JSON.stringify({ model: 'echo-1', messages: [{ role: 'user', content: 'hi' }], stream }),
    });

  it('answers a preflight from a listed origin', async () => {
    const r = await fetch(`${w.baseUrl}/v1/chat/completions`, {
      method: 'OPTIONS',
      headers: {
        origin: ALLOWED,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization, content-type',
      },
    });
    expect(r.status).toBe(204);
    expect(r.headers.get('access-control-allow-origin')).toBe(ALLOWED);
    expect(r.headers.get('access-control-allow-methods')).toContain('POST');
  });

  it.each([false, true])('gateway answers (stream %s) carry it, and expose the cost header', async (stream) => {
    const r = await chat(ALLOWED, stream);
    expect(r.status).toBe(200);
    await r.text();
    expect(r.headers.get('access-control-allow-origin')).toBe(ALLOWED);
    expect(r.headers.get('access-control-allow-credentials')).toBe('true');
    expect(r.headers.get('access-control-expose-headers')).toContain('x-tollgate-cost');
  });

  it('admin API answers and gateway errors carry it too', async () => {
    const health = await fetch(`${w.baseUrl}/health`, { headers: { origin: ALLOWED } });
    expect(health.headers.get('access-control-allow-origin')).toBe(ALLOWED);
    const refused = await fetch(`${w.baseUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: 'Bearer tg-wrong', 'content-type': 'application/json', origin: ALLOWED },
      body: '{}',
    });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('access-control-allow-origin')).toBe(ALLOWED);
  });

  it('another origin gets no CORS headers (the browser refuses to hand over the answer)', async () => {
    const r = await chat('https://evil.example.net');
    await r.text();
    expect(r.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('a malformed origin stops start-up, naming the variable', () => {
    expect(() => loadConfig({ CORS_ORIGINS: 'admin.example.com' })).toThrow(/CORS_ORIGINS/);
    expect(() => loadConfig({ CORS_ORIGINS: 'https://a.example.com/path' })).toThrow(/CORS_ORIGINS/);
    expect(loadConfig({ CORS_ORIGINS: ' https://a.example.com ,* ' }).CORS_ORIGINS).toEqual([
      'https://a.example.com',
      '*',
    ]);
  });
});

describe('without CORS_ORIGINS', () => {
  let w: World;
  beforeAll(async () => {
    w = await createWorld({ catalog, wallet: '10' });
  });
  afterAll(async () => w?.close());

  it('sends no CORS headers', async () => {
    const r = await fetch(`${w.baseUrl}/health`, { headers: { origin: ALLOWED } });
    expect(r.headers.get('access-control-allow-origin')).toBeNull();
  });
});
