import { describe, expect, it } from 'vitest';
import { newWriteWaitCounter, retryBusy } from './sqlite-dialect.js';

const busy = () => Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' });

describe('retryBusy', () => {
  it('retries SQLITE_BUSY, counting itself queued meanwhile, and returns the result', async () => {
    const waiting = newWriteWaitCounter();
    let calls = 0;
    const seen: number[] = [];
    const r = await retryBusy(async () => {
      calls += 1;
      seen.push(waiting[0]!);
      if (calls < 3) throw busy();
      return 'ok';
    }, waiting);
    expect(r).toBe('ok');
    expect(seen).toEqual([0, 1, 1]);
    expect(waiting[0]).toBe(0);
  });

  it('passes other errors through at once', async () => {
    const waiting = newWriteWaitCounter();
    let calls = 0;
    const fail = retryBusy(async () => {
      calls += 1;
      throw Object.assign(new Error('constraint'), { code: 'SQLITE_CONSTRAINT' });
    }, waiting);
    await expect(fail).rejects.toMatchObject({ code: 'SQLITE_CONSTRAINT' });
    expect(calls).toBe(1);
  });

  it('gives up after its deadline with the busy error and leaves the queue', async () => {
    const waiting = newWriteWaitCounter();
    await expect(retryBusy(() => Promise.reject(busy()), waiting, 20)).rejects.toMatchObject({ code: 'SQLITE_BUSY' });
    expect(waiting[0]).toBe(0);
  });
});
