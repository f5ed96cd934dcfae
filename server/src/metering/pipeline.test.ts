// The pipeline's batching, retry, bisection and shutdown rules, with a fake batch writer and a
// real spool directory (no database).
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { InMemoryPriceCatalog } from '../pricing/price-catalog.js';
import { usageEvent } from '../../test/metering/support.js';
import type { BatchWriter } from './batch-writer.js';
import { SpooledPipeline } from './pipeline.js';
import { prepareEvent, type PreparedEvent } from './prepared-event.js';
import { encodeSpoolLine } from './spool-codec.js';
import { Spool } from './spool.js';

function setup(
  write: BatchWriter,
  healthy: () => boolean = () => true,
  batchSize = 3,
  dir = mkdtempSync(join(tmpdir(), 'spool-')),
  writers = 1,
) {
  const pipeline = new SpooledPipeline({
    catalog: new InMemoryPriceCatalog(),
    spool: new Spool(dir),
    write,
    healthy: async () => healthy(),
    log: pino({ level: 'silent' }),
    batchSize,
    flushMs: 1,
    writers,
    retryDelayMs: () => 1,
  });
  return { pipeline, dir };
}

const accepting =
  (calls: string[][]): BatchWriter =>
  async (items: readonly PreparedEvent[]) => {
    calls.push(items.map((p) => p.event.requestId));
    return items.map(() => 'accepted' as const);
  };

/** Large batches, so only the flush timers (ingest waiters: flushMs; enqueue only: idleFlushMs) write. */
const timedPipeline = (calls: string[][], flushMs: number, idleFlushMs: number) =>
  new SpooledPipeline({
    catalog: new InMemoryPriceCatalog(),
    spool: new Spool(mkdtempSync(join(tmpdir(), 'spool-'))),
    write: accepting(calls),
    healthy: async () => true,
    log: pino({ level: 'silent' }),
    batchSize: 1000,
    flushMs,
    idleFlushMs,
  });

const segments = (dir: string) => readdirSync(join(dir)).filter((f) => f.startsWith('seg-'));

describe('SpooledPipeline', () => {
  it('lets enqueued (gateway) events wait idleFlushMs for company; a waiting ingest() brings the write forward', async () => {
    const calls: string[][] = [];
    const pipeline = timedPipeline(calls, 20, 60_000);
    const gateway = [usageEvent({ cost: '1' }), usageEvent({ cost: '1' })];
    for (const event of gateway) pipeline.enqueue({ event });
    await new Promise((r) => setTimeout(r, 100));
    expect(calls).toEqual([]); // nobody waits: the batch keeps collecting
    const external = usageEvent({ cost: '1' });
    const t0 = Date.now();
    expect(await pipeline.ingest({ event: external })).toBe('accepted');
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect(calls).toEqual([[...gateway, external].map((e) => e.requestId)]);
    // The next enqueued events wait again (nobody waits on them).
    pipeline.enqueue({ event: usageEvent({ cost: '1' }) });
    await new Promise((r) => setTimeout(r, 100));
    expect(calls).toHaveLength(1);
    await pipeline.close();
    expect(calls).toHaveLength(2);
  });

  it('writes enqueued events once idleFlushMs has passed, without any flush', async () => {
    const calls: string[][] = [];
    const pipeline = timedPipeline(calls, 5, 30);
    const first = usageEvent({ cost: '1' });
    pipeline.enqueue({ event: first });
    for (let i = 0; i < 100 && calls.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(calls).toEqual([[first.requestId]]);
    // And again for the next ones (the timer is set anew after a write).
    const second = usageEvent({ cost: '1' });
    pipeline.enqueue({ event: second });
    for (let i = 0; i < 100 && calls.length === 1; i++) await new Promise((r) => setTimeout(r, 10));
    expect(calls).toEqual([[first.requestId], [second.requestId]]);
    await pipeline.close();
  });

  it('writes in chunks of at most the batch size and settles every ingest with its outcome', async () => {
    const calls: string[][] = [];
    const { pipeline, dir } = setup(accepting(calls));
    const events = Array.from({ length: 7 }, () => usageEvent({ cost: '1' }));
    const outcomes = await Promise.all(events.map((event) => pipeline.ingest({ event })));
    expect(outcomes).toEqual(Array(7).fill('accepted'));
    expect(calls.flat()).toEqual(events.map((e) => e.requestId));
    expect(Math.max(...calls.map((c) => c.length))).toBeLessThanOrEqual(3);
    await pipeline.close();
    expect(segments(dir)).toEqual([]);
  });

  it('waits out a database outage and then writes the same chunk', async () => {
    let down = 3;
    const calls: string[][] = [];
    const write: BatchWriter = async (items) => {
      if (down > 0) {
        down -= 1;
        throw new Error('connection refused');
      }
      return accepting(calls)(items);
    };
    const { pipeline } = setup(write, () => down === 0);
    const e = usageEvent({ cost: '1' });
    expect(await pipeline.ingest({ event: e })).toBe('accepted');
    expect(calls).toEqual([[e.requestId]]);
    await pipeline.close();
  });

  it('bisects a failing chunk against a healthy database: only the poison event is refused and dead-lettered', async () => {
    const poison = usageEvent({ cost: '1' });
    const write: BatchWriter = async (items) => {
      if (items.some((p) => p.event.requestId === poison.requestId)) throw new Error('check constraint');
      return items.map(() => 'accepted' as const);
    };
    const { pipeline, dir } = setup(write, () => true, 8);
    const good = Array.from({ length: 5 }, () => usageEvent({ cost: '1' }));
    const results = await Promise.allSettled([...good, poison].map((event) => pipeline.ingest({ event })));
    expect(results.slice(0, 5).every((r) => r.status === 'fulfilled')).toBe(true);
    expect(results[5]).toMatchObject({ status: 'rejected', reason: { code: 'internal' } });
    expect(readFileSync(join(dir, 'dead-letter.jsonl'), 'utf8')).toContain(poison.requestId);
    await pipeline.close();
  });

  it('at shutdown with the database down, leaves the events in the spool for the next start', async () => {
    const { pipeline, dir } = setup(
      async () => {
        throw new Error('down');
      },
      () => false,
    );
    const e = usageEvent({ cost: '1' });
    const pending = pipeline.ingest({ event: e });
    const closed = pipeline.close();
    await expect(pending).rejects.toMatchObject({ code: 'upstream_unavailable' });
    await closed;
    expect(segments(dir)).toHaveLength(1);

    const calls: string[][] = [];
    const next = setup(accepting(calls), () => true, 3, dir).pipeline;
    expect(await next.replay()).toEqual({ segments: 1, events: 1, unreadable: 0 });
    expect(calls).toEqual([[e.requestId]]);
    expect(segments(dir)).toEqual([]);
    expect(existsSync(dir)).toBe(true);
  });

  it('replay skips a torn line (never acknowledged) and keeps the rest', async () => {
    const calls: string[][] = [];
    const dir = mkdtempSync(join(tmpdir(), 'spool-'));
    const spool = new Spool(dir);
    const { pipeline: writer } = setup(accepting([]), () => true, 100, dir);
    // Write two events through a pipeline that never flushes (closed spool afterwards simulates a kill).
    writer.enqueue({ event: usageEvent({ cost: '1' }) });
    writer.enqueue({ event: usageEvent({ cost: '2' }) });
    spool.append('{"e":{"requestId":"torn'); // a write cut short by the kill
    spool.close();
    const next = setup(accepting(calls), () => true, 100, dir).pipeline;
    const r = await next.replay();
    expect(r.events).toBe(2);
    expect(r.unreadable).toBe(1);
    await writer.close();
  });

  it('enqueue(): the event is in the spool once spooled() resolved (the group write of the turn)', async () => {
    const { pipeline, dir } = setup(accepting([]), () => true, 100);
    const e = usageEvent({ cost: '1' });
    pipeline.enqueue({ event: e });
    await pipeline.spooled();
    const [seg] = segments(dir);
    expect(readFileSync(join(dir, seg!), 'utf8')).toContain(e.requestId);
    await pipeline.close();
    expect(segments(dir)).toEqual([]);
  });

  it('with several writers, commits chunks concurrently and removes the segment only after all committed', async () => {
    let inFlight = 0;
    let most = 0;
    const calls: string[][] = [];
    const release: (() => void)[] = [];
    const write: BatchWriter = async (items) => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      await new Promise<void>((r) => release.push(r));
      inFlight -= 1;
      return accepting(calls)(items);
    };
    // Seven events in one segment (left by an earlier process), written in chunks of 2 by 3 writers.
    const dir = mkdtempSync(join(tmpdir(), 'spool-'));
    const events = Array.from({ length: 7 }, () => usageEvent({ cost: '1' }));
    const earlier = new Spool(dir);
    for (const event of events) {
      const prepared = prepareEvent({ event }, new InMemoryPriceCatalog());
      if (!prepared.ok) throw prepared.error;
      earlier.append(encodeSpoolLine(prepared.value));
    }
    earlier.close();
    const { pipeline } = setup(write, () => true, 2, dir, 3);
    const done = pipeline.replay();
    await new Promise((r) => setTimeout(r, 20));
    // Chunks of 2: three of the four are in flight at once; the segment is still on disk.
    expect(most).toBe(3);
    expect(segments(dir)).toHaveLength(1);
    while (calls.flat().length < 7) {
      release.splice(0).forEach((r) => r());
      await new Promise((r) => setTimeout(r, 5));
    }
    expect(await done).toEqual({ segments: 1, events: 7, unreadable: 0 });
    expect(calls.flat().sort()).toEqual(events.map((e) => e.requestId).sort());
    await pipeline.close();
    expect(segments(dir)).toEqual([]);
  });
});
