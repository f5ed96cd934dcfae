// One AbortSignal per call that fires when the client goes away or the per-request timeout
// expires; the upstream request listens to it, so either ends the provider call too. A class with
// module-level listeners (no closures per call: this runs for every request).
import type { ServerResponse } from 'node:http';

const kSignal = Symbol('tollgate.callSignal');
type Tagged = ServerResponse & { [kSignal]?: CallSignal | undefined };

/** 'close' before the response finished = the client disconnected. */
function onClose(this: Tagged): void {
  const s = this[kSignal];
  if (s && !this.writableFinished) s.abort(false);
}

function onTimeout(s: CallSignal): void {
  s.abort(true);
}

export class CallSignal {
  private readonly controller = new AbortController();
  private readonly timer: NodeJS.Timeout;
  private expired = false;
  private gone = false;

  constructor(
    private readonly res: ServerResponse,
    timeoutMs: number,
  ) {
    this.timer = setTimeout(onTimeout, timeoutMs, this);
    this.timer.unref();
    (res as Tagged)[kSignal] = this;
    res.once('close', onClose);
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Whether the abort was the per-request timeout (vs. the client leaving). */
  timedOut(): boolean {
    return this.expired;
  }

  clientGone(): boolean {
    return this.gone;
  }

  abort(timeout: boolean): void {
    if (timeout) this.expired = true;
    else this.gone = true;
    this.controller.abort();
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.res.removeListener('close', onClose);
    (this.res as Tagged)[kSignal] = undefined;
  }
}

export const callSignal = (res: ServerResponse, timeoutMs: number): CallSignal => new CallSignal(res, timeoutMs);
