// The upstream client's own body handling (undici dispatch, no Readable): text, chunks with
// backpressure, dump, an early stop, aborts before and after the headers, lazy headers.
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AbortEmitter } from './call-signal.js';
import { UpstreamClient, classifyTransportError } from './upstream-client.js';

let server: Server;
let base = '';
const big = 'x'.repeat(1024 * 1024);
let slowRes: ServerResponse | null = null;
beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === '/text') {
      res.setHeader('retry-after', '3');
      res.setHeader('set-cookie', ['a=1', 'b=2']);
      return res.end('héllo wörld');
    }
    if (req.url === '/big') return res.end(big);
    if (req.url === '/pieces') {
      res.write('one');
      setTimeout(() => res.write('two'), 20);
      setTimeout(() => res.end('three'), 40);
      return;
    }
    if (req.url === '/hang-body') {
      slowRes = res;
      res.write('start');
      return;
    }
    if (req.url === '/late-end') {
      res.write('[DONE]');
      setTimeout(() => res.end(), 30);
      return;
    }
    // /hang: no answer at all
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const client = new UpstreamClient();
const send = (path: string, signal = new AbortEmitter(), firstByteTimeoutMs = 5000) =>
  client.send(
    { url: `${base}${path}`, method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' },
    { signal, firstByteTimeoutMs, bodyTimeoutMs: 5000 },
  );

async function readAll(it: AsyncIterator<Uint8Array | string>): Promise<string> {
  let s = '';
  for (let r = await it.next(); !r.done; r = await it.next()) s += Buffer.from(r.value as Uint8Array).toString();
  return s;
}

describe('upstream client', () => {
  it('reads a body as text (UTF-8), with headers parsed on demand', async () => {
    const res = await send('/text');
    expect(res.statusCode).toBe(200);
    expect(res.headers['retry-after']).toBe('3');
    expect(res.headers['set-cookie']).toEqual(['a=1', 'b=2']);
    expect(await res.body.text()).toBe('héllo wörld');
  });

  it('text() after the body already arrived, and a large body', async () => {
    const res = await send('/big');
    await new Promise((r) => setTimeout(r, 50));
    expect(await res.body.text()).toBe(big);
  });

  it('iterates chunks as they arrive, and a slow reader still gets every byte (backpressure)', async () => {
    expect(await readAll((await send('/pieces')).body.chunks())).toBe('onetwothree');
    const res = await send('/big');
    const it = res.body.chunks();
    await new Promise((r) => setTimeout(r, 100)); // the socket pauses at the high-water mark
    expect(await readAll(it)).toBe(big);
  });

  it('dump() discards the rest; return() stops reading and aborts the upstream request', async () => {
    (await send('/big')).body.dump();
    const res = await send('/hang-body');
    const it = res.body.chunks();
    expect(Buffer.from((await it.next()).value as Uint8Array).toString()).toBe('start');
    const closed = new Promise((r) => slowRes!.once('close', r));
    await it.return!();
    await closed; // the server sees the connection go
  });

  it('release() reads the late end of the body and keeps the connection; a body that never ends is given up', async () => {
    const conns = new Set<unknown>();
    const track = (_req: unknown, res: ServerResponse) => conns.add(res.socket);
    server.on('request', track);
    try {
      for (let i = 0; i < 3; i++) {
        const res = await send('/late-end');
        const it = res.body.chunks();
        expect(Buffer.from((await it.next()).value as Uint8Array).toString()).toBe('[DONE]');
        res.body.release();
        await new Promise((r) => setTimeout(r, 60));
      }
      expect(conns.size).toBe(1); // one keep-alive connection for the three exchanges
    } finally {
      server.off('request', track);
    }
    const signal = new AbortEmitter();
    const res = await send('/hang-body', signal);
    const it = res.body.chunks();
    await it.next();
    const closed = new Promise((r) => slowRes!.once('close', r));
    const t0 = performance.now();
    res.body.release();
    expect(signal.listenerCount('abort')).toBe(0); // the call is over: its signal no longer applies
    await closed; // given up after the grace (1 s)
    expect(performance.now() - t0).toBeGreaterThanOrEqual(900);
  });

  it('an abort before the headers rejects the send; after them, fails the body read', async () => {
    const early = new AbortEmitter();
    const pending = send('/hang', early);
    setTimeout(() => early.abort(), 20);
    const e1 = await pending.catch((e: unknown) => e);
    expect(classifyTransportError(e1)).toBe('aborted');

    const already = new AbortEmitter();
    already.abort();
    expect(classifyTransportError(await send('/text', already).catch((e: unknown) => e))).toBe('aborted');

    const late = new AbortEmitter();
    const res = await send('/hang-body', late);
    const it = res.body.chunks();
    await it.next();
    const next = it.next();
    late.abort();
    expect(classifyTransportError(await next.catch((e: unknown) => e))).toBe('aborted');
    expect(late.listenerCount('abort')).toBe(0);
  });

  it('times out waiting for the headers', async () => {
    const e = await send('/hang', new AbortEmitter(), 50).catch((err: unknown) => err);
    expect(classifyTransportError(e)).toBe('timeout');
  });
});
