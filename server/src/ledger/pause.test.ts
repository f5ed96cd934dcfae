import { describe, expect, it } from 'vitest';
import { pgRows } from './ledger-batch-sql.js';
import { createPause, neverPause } from './pause.js';

describe('createPause', () => {
  it('yields to the event loop only once a slice has run for sliceMs', async () => {
    let t = 0;
    const pause = createPause(1, () => t);
    let macrotaskRan = false;
    setImmediate(() => (macrotaskRan = true));
    t = 0.5;
    await pause(); // within the slice: microtask only, no macrotask can run
    expect(macrotaskRan).toBe(false);
    t = 1.2;
    await pause(); // slice used up: setImmediate callbacks queued before it run now
    expect(macrotaskRan).toBe(true);
    // A new slice starts after the yield.
    let again = false;
    setImmediate(() => (again = true));
    await pause();
    expect(again).toBe(false);
  });

  it('never yields without a slice length; PostgreSQL statements are larger there than on the event loop', async () => {
    const pause = createPause(Infinity);
    expect(pause).toBe(neverPause);
    let macrotaskRan = false;
    setImmediate(() => (macrotaskRan = true));
    for (let i = 0; i < 1000; i++) await pause();
    expect(macrotaskRan).toBe(false);
    expect(pgRows(pause)).toBe(1000);
    expect(pgRows(createPause(1))).toBe(250);
    expect(pgRows(undefined)).toBe(250);
  });
});
