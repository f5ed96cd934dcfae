// One abort signal per call that fires when the client goes away or the per-request timeout
// expires; the upstream request listens to it, so either ends the provider call too. A class with
// module-level listeners (no closures per call: this runs for every request).
//
// The signal is an EventEmitter with an `aborted` flag rather than an AbortController: undici
// accepts either, and Node's AbortSignal (an EventTarget) costs several microseconds to create and
// to listen to — on every call, for an abort that almost never happens.
import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';

const kSignal = Symbol('tollgate.callSignal');
type Tagged = ServerResponse & { [kSignal]?: CallSignal | undefined };

/** What the attempt loop and the upstream client need of a call's signal. */
export interface CallAbortSignal extends EventEmitter {
  readonly aborted: boolean;
}

/** 'close' before the response finished = the client disconnected. */
function onClose(this: Tagged): void {
  const s = this[kSignal];
  if (s && !this.writableFinished) s.abort(false);
}

function onTimeout(s: CallSignal): void {
  s.abort(true);
}

/** The signal itself: `abort()` flags it and tells the listeners, once. */
export class AbortEmitter extends EventEmitter implements CallAbortSignal {
  aborted = false;

  abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    this.emit('abort');
  }
}

export class CallSignal {
  readonly signal = new AbortEmitter();
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
    // The client may have left while the call was being admitted (a reservation that waited on a
    // locked wallet row): 'close' has already fired, so no listener will ever hear it. Such a call
    // must not go upstream, nor be billed.
    if (res.destroyed && !res.writableFinished) this.abort(false);
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
    this.signal.abort();
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.res.removeListener('close', onClose);
    (this.res as Tagged)[kSignal] = undefined;
  }
}

export const callSignal = (res: ServerResponse, timeoutMs: number): CallSignal => new CallSignal(res, timeoutMs);

/** Wait `ms`, or less if the signal aborts first (resolves either way; the caller checks). */
export function delay(ms: number, signal: CallAbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(t);
      signal.removeListener('abort', done);
      resolve();
    };
    const t = setTimeout(done, ms);
    signal.once('abort', done);
  });
}
