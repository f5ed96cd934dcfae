// One AbortSignal per call that fires when the client goes away or the per-request timeout
// expires; the upstream request listens to it, so either ends the provider call too.
import type { ServerResponse } from 'node:http';

export interface CallSignal {
  signal: AbortSignal;
  timedOut(): boolean;
  clientGone(): boolean;
  dispose(): void;
}

export function callSignal(res: ServerResponse, timeoutMs: number): CallSignal {
  const ac = new AbortController();
  let timedOut = false;
  let gone = false;
  const timer = setTimeout(() => {
    timedOut = true;
    ac.abort();
  }, timeoutMs);
  timer.unref();
  // 'close' before the response finished = the client disconnected.
  const onClose = () => {
    if (!res.writableFinished) {
      gone = true;
      ac.abort();
    }
  };
  res.once('close', onClose);
  return {
    signal: ac.signal,
    timedOut: () => timedOut,
    clientGone: () => gone,
    dispose() {
      clearTimeout(timer);
      res.removeListener('close', onClose);
    },
  };
}
