// Cooperative time slicing for long synchronous batch work (SQLite is synchronous): a Pause is
// awaited between units of work and yields to the event loop (setImmediate) once the current slice
// has run for `sliceMs`, so a metering batch never holds the gateway's event loop for long. The
// batch's database transaction stays open across the yields; on SQLite other Kysely queries wait
// for the connection meanwhile (asynchronously), they are not blocked.

export type Pause = () => Promise<void>;

/** The pause of code that has its thread to itself (the metering writer thread): never yields. */
export const neverPause: Pause = () => Promise.resolve();

/** A pause that yields at most every `sliceMs` of work (never, for Infinity); `now` is injectable
 *  for tests. */
export function createPause(sliceMs: number, now: () => number = () => performance.now()): Pause {
  if (sliceMs === Infinity) return neverPause;
  let since = now();
  return async () => {
    const t = now();
    if (t - since < sliceMs) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
    since = now();
  };
}
