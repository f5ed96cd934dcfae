import { describe, expect, it } from 'vitest';
import { createPause } from './pause.js';

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
});
