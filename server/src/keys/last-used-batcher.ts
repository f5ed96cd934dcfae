// "Last used" for API keys without a write per request: touches are folded in memory (latest time
// per key) and written in one transaction every few seconds, and once more on close.
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';

export interface LastUsedBatcher {
  touch(keyId: string, atMs: number): void;
  /** Write what is pending now (also called by the timer and on close). */
  flush(): Promise<void>;
  close(): Promise<void>;
  pending(): number;
}

export function createLastUsedBatcher(deps: {
  db: Kysely<Database>;
  intervalMs: number;
  onError: (e: unknown) => void;
}): LastUsedBatcher {
  let pending = new Map<string, number>();
  let timer: NodeJS.Timeout | null = null;
  let flushing: Promise<void> = Promise.resolve();

  async function write(batch: Map<string, number>): Promise<void> {
    if (batch.size === 0) return;
    await deps.db.transaction().execute(async (trx) => {
      for (const [id, at] of batch) {
        // Never move last_used_at backwards (touches from several nodes may arrive out of order).
        await trx
          .updateTable('api_keys')
          .set({ last_used_at: at })
          .where('id', '=', id)
          .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<', BigInt(at))]))
          .execute();
      }
    });
  }

  function flush(): Promise<void> {
    const batch = pending;
    pending = new Map();
    flushing = flushing
      .then(() => write(batch))
      .catch((e: unknown) => {
        // Keep what failed for the next round unless newer touches replaced it.
        for (const [id, at] of batch) if ((pending.get(id) ?? 0) < at) pending.set(id, at);
        deps.onError(e);
      });
    return flushing;
  }

  return {
    touch(keyId, atMs) {
      if ((pending.get(keyId) ?? 0) < atMs) pending.set(keyId, atMs);
      if (!timer) {
        timer = setInterval(() => void flush(), deps.intervalMs);
        timer.unref();
      }
    },
    flush,
    async close() {
      if (timer) clearInterval(timer);
      timer = null;
      await flush();
    },
    pending: () => pending.size,
  };
}
