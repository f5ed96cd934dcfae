// Graceful stop: close() lets a call in progress finish, but never waits longer than
// SHUTDOWN_GRACE_MS for connections that will not finish on their own (a client whose connection
// opened and never sent a byte kept close() waiting for Node's 60 s headers timeout).
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startMockUpstream, type MockUpstream } from '../mock-upstream/index.js';
import { createWorld, mockProvider } from '../gateway/world.js';

let mock: MockUpstream;
beforeAll(async () => {
  mock = await startMockUpstream();
});
afterAll(async () => mock?.close());

const catalog = () => ({
  providers: [mockProvider(mock, 'openai', 'up')],
  models: [
    {
      name: 'slow',
      deployments: [{ provider: 'up', model: 'one' }],
      pricing: { input_per_mtok: '1', output_per_mtok: '2' },
    },
  ],
});

function openSilentConnection(url: string): Promise<Socket> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const s = connect(Number(port), '127.0.0.1', () => resolve(s));
    s.on('error', reject);
  });
}

it('stops within the grace period when a connection never sends a request', async () => {
  const w = await createWorld({ catalog: catalog(), env: { SHUTDOWN_GRACE_MS: '300' } });
  const silent = await openSilentConnection(w.baseUrl);
  const ended = new Promise<void>((resolve) => silent.once('close', () => resolve()));
  const t0 = performance.now();
  await w.close();
  expect(performance.now() - t0).toBeLessThan(5_000);
  await ended; // the server closed it
});

it('lets a call in progress finish, then closes its keep-alive connection without waiting out the grace', async () => {
  const w = await createWorld({ catalog: catalog(), wallet: '10', env: { SHUTDOWN_GRACE_MS: '10000' } });
  mock.enqueue({ latencyMs: 400 });
  const answer = fetch(`${w.baseUrl}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${w.secret}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'slow', messages: [{ role: 'user', content: 'hi' }] }),
  });
  await new Promise((r) => setTimeout(r, 100));
  const t0 = performance.now();
  const closing = w.close();
  const res = await answer;
  expect(res.status).toBe(200);
  expect(await res.json()).toMatchObject({ object: 'chat.completion' });
  await closing;
  expect(performance.now() - t0).toBeLessThan(5_000);
});
