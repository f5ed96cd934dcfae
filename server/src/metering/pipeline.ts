// The metering pipeline: every source's usage events go through here. Front half (synchronous, in
// the caller): check → price → queue the spool line (written with the rest of the turn's
// lines when the turn ends). Back half (batched): seal the spool segment, write its events in
// chunks of METERING_BATCH_SIZE (one DB transaction each; `writers` chunks at a time), settle
// ingest() promises with their outcome (group commit), delete the segment. A chunk that fails against a healthy database is bisected so one poisonous event
// cannot sink its neighbours; when the database itself is down the chunk waits and retries.
import type { Logger } from 'pino';
import type { PriceCatalog } from '../pricing/ports.js';
import { AppError } from '../shared/errors.js';
import { PartialWriteError, type BatchWriter } from './batch-writer.js';
import type { IngestOutcome, MeteringPipeline, UsageEnvelope } from './ports.js';
import { prepareEvent, type PreparedEvent } from './prepared-event.js';
import { decodeSpoolLine, encodeSpoolLine } from './spool-codec.js';
import type { Spool } from './spool.js';

interface Pending {
  p: PreparedEvent;
  /** Its spool line (what the worker writer is sent). */
  line: string;
  settle?: (outcome: IngestOutcome | AppError) => void;
}

interface Segment {
  path: string | null;
  items: Pending[];
}

export interface PipelineOptions {
  catalog: PriceCatalog;
  spool: Spool;
  write: BatchWriter;
  /** Is the database reachable? Tells "this event is bad" from "the database is down". */
  healthy: () => Promise<boolean>;
  log: Logger;
  batchSize: number;
  /** A partial batch with an ingest() caller waiting on it is written within this (ms). */
  flushMs: number;
  /**
   * A partial batch of enqueue()d events only (the gateway's: durable in the spool, nobody waits
   * on the write) may wait this long for company instead (default flushMs): fewer, larger
   * transactions cost the writer less per event.
   */
  idleFlushMs?: number;
  /** Batches written concurrently (default 1). */
  writers?: number;
  /** Resolves when the writer can write (the writer thread has started); default at once. */
  ready?: () => Promise<void>;
  /** Runs at the end of close() (stops helpers such as the WAL checkpointer). */
  onClose?: () => Promise<void>;
  /** Back-off while the database is down (tests shorten it). */
  retryDelayMs?: (attempt: number) => number;
}

const SINGLE_EVENT_ATTEMPTS = 3;

export class SpooledPipeline implements MeteringPipeline {
  private open: Pending[] = [];
  private readonly sealed: Segment[] = [];
  private draining: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  /** When the timer fires (Date.now() ms). */
  private timerDue = 0;
  /** Some event in `open` has an ingest() caller waiting. */
  private openHasWaiter = false;
  /** The flush timer fired for what is in `open`: it has waited long enough. */
  private openDue = false;
  /** flush() callers in progress: they want everything written now. */
  private flushing = 0;
  private closed = false;
  /** close() has begun: a database outage now leaves events in the spool instead of waiting. */
  private closing = false;
  /** Gave up at shutdown with the database down; what is left stays spooled for the next start. */
  private abandoned = false;

  constructor(private readonly o: PipelineOptions) {}

  enqueue(envelope: UsageEnvelope): void {
    const r = prepareEvent(envelope, this.o.catalog);
    if (!r.ok) throw r.error;
    this.accept(r.value);
  }

  ingest(envelope: UsageEnvelope): Promise<IngestOutcome> {
    const r = prepareEvent(envelope, this.o.catalog);
    if (!r.ok) return Promise.reject(r.error);
    return new Promise<IngestOutcome>((resolve, reject) => {
      // A promise settles once; later calls (e.g. an abandoned shutdown after a bisect) are no-ops.
      this.accept(r.value, (o) => (o instanceof AppError ? reject(o) : resolve(o)));
    });
  }

  /**
   * Resolves once every event enqueued so far is in the spool (the group write at the end of the
   * current event-loop turn): from then on it survives kill -9. See README "Durability window".
   */
  spooled(): Promise<void> {
    return this.o.spool.written();
  }

  /** Resolves once the writer is up (METERING_WRITER=worker: the thread loaded and connected). */
  async ready(): Promise<void> {
    await this.o.ready?.();
  }

  /** Queue segments left by a previous process and write them; resolves when all are stored. */
  async replay(): Promise<{ segments: number; events: number; unreadable: number }> {
    let events = 0;
    let unreadable = 0;
    const paths = this.o.spool.leftovers();
    for (const path of paths) {
      const items: Pending[] = [];
      for (const line of this.o.spool.read(path)) {
        const p = decodeSpoolLine(line);
        if (p) items.push({ p, line });
        else {
          unreadable += 1;
          this.o.spool.deadLetter(line, 'unreadable spool line');
        }
      }
      events += items.length;
      this.sealed.push({ path, items });
    }
    if (paths.length > 0) {
      this.o.log.info({ segments: paths.length, events, unreadable }, 'replaying metering spool');
      await this.flush();
    }
    return { segments: paths.length, events, unreadable };
  }

  async flush(): Promise<void> {
    this.flushing += 1;
    try {
      while (!this.abandoned && (this.open.length > 0 || this.sealed.length > 0 || this.draining)) {
        this.kick();
        await this.draining;
      }
    } finally {
      this.flushing -= 1;
    }
  }

  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.closing = true;
    await this.flush();
    this.closed = true;
    this.o.spool.close();
    await this.o.onClose?.();
  }

  private accept(p: PreparedEvent, settle?: Pending['settle']): void {
    // Spooled (at the end of this turn) before anything can acknowledge it; after close() events
    // still land in the spool for the next start.
    const item: Pending = settle ? { p, line: encodeSpoolLine(p), settle } : { p, line: encodeSpoolLine(p) };
    this.o.spool.append(item.line);
    if (this.closed || this.abandoned) {
      // Nobody will write it in this process: it waits in the spool for the next start.
      item.settle?.(
        new AppError('upstream_unavailable', 'metering is shut down; the event is spooled for the next start'),
      );
      return;
    }
    this.open.push(item);
    if (settle) this.openHasWaiter = true;
    this.schedule();
  }

  /**
   * A full batch goes now; a partial one waits for company up to METERING_FLUSH_MS when an
   * ingest() caller waits on it, else up to METERING_GATEWAY_FLUSH_MS (idleFlushMs).
   */
  private schedule(): void {
    if (this.closed || this.abandoned || this.open.length === 0) return;
    if (this.open.length >= this.o.batchSize) return this.kick();
    if (this.draining) return; // the drain schedules again when it ends
    // The common case (a timer is set, nobody waits): nothing to do, not even read the clock.
    if (this.timer && !this.openHasWaiter) return;
    const delay = this.openHasWaiter ? this.o.flushMs : (this.o.idleFlushMs ?? this.o.flushMs);
    const due = Date.now() + delay;
    if (this.timer) {
      if (this.timerDue <= due) return;
      clearTimeout(this.timer); // a waiting caller brings the write forward
    }
    this.timerDue = due;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.openDue = true; // if a drain is running, it takes `open` when its chunk is done
      this.kick();
    }, delay);
    this.timer.unref();
  }

  private kick(): void {
    if (this.draining) return;
    this.draining = this.drain().finally(() => {
      this.draining = null;
      // Events accepted after the drain's last look but before this callback ran.
      this.schedule();
    });
  }

  private async drain(): Promise<void> {
    for (;;) {
      if (this.sealed.length === 0) {
        if (this.open.length === 0) return;
        // Gateway events that came in while the last chunk was written: unless the batch is full,
        // someone waits or everything is wanted now, they wait for company (schedule()).
        const due =
          this.openDue ||
          this.openHasWaiter ||
          this.flushing > 0 ||
          this.closing ||
          this.open.length >= this.o.batchSize;
        if (!due) return;
        this.sealed.push({ path: this.o.spool.seal(), items: this.open });
        this.open = [];
        this.openHasWaiter = false;
        this.openDue = false;
      }
      const seg = this.sealed[0]!;
      // Up to `writers` chunks of the segment in flight at once (PostgreSQL: the server works on
      // one batch while the next is built and sent; SQLite has one connection: 1). Each chunk is
      // still its own transaction; the segment goes only once all of its chunks committed.
      const writers = Math.max(1, this.o.writers ?? 1);
      let next = 0;
      let kept = false;
      const worker = async () => {
        while (!kept && next < seg.items.length) {
          const chunk = seg.items.slice(next, next + this.o.batchSize);
          next += chunk.length;
          if (!(await this.commit(chunk))) kept = true; // database down and we are closing
        }
      };
      await Promise.all(Array.from({ length: writers }, worker));
      if (kept) return; // the segment stays in the spool for the next start
      if (seg.path) this.o.spool.remove(seg.path);
      this.sealed.shift();
    }
  }

  /**
   * Write a chunk; false only when the database is unreachable while closing (left spooled).
   * `outages` counts failures with the database down (back-off); `strikes` counts failures of a
   * single event against a healthy database (dead-lettered after SINGLE_EVENT_ATTEMPTS).
   */
  private async commit(chunk: Pending[], outages = 0, strikes = 0): Promise<boolean> {
    try {
      const outcomes = await this.o.write(
        chunk.map((c) => c.p),
        chunk.map((c) => c.line),
      );
      chunk.forEach((c, i) => c.settle?.(outcomes[i]!));
      return true;
    } catch (e) {
      if (e instanceof PartialWriteError && e.committed.length > 0) {
        // The worker stored the chunk's head before failing: settle it, go on with the rest.
        const done = e.committed.length;
        chunk.slice(0, done).forEach((c, i) => c.settle?.(e.committed[i]!));
        return this.commit(chunk.slice(done), outages, strikes);
      }
      if (!(await this.o.healthy().catch(() => false))) {
        if (this.closing && outages >= 2) return this.leave(e);
        this.o.log.error({ err: e, attempt: outages }, 'metering store unavailable; retrying batch');
        await sleep(this.o.retryDelayMs?.(outages) ?? Math.min(30_000, 100 * 2 ** outages));
        return this.commit(chunk, outages + 1, strikes);
      }
      if (chunk.length > 1) {
        const mid = chunk.length >> 1;
        return (await this.commit(chunk.slice(0, mid))) && (await this.commit(chunk.slice(mid)));
      }
      if (strikes + 1 < SINGLE_EVENT_ATTEMPTS) return this.commit(chunk, outages, strikes + 1);
      const bad = chunk[0]!;
      this.o.log.error({ err: e, requestId: bad.p.event.requestId }, 'usage event failed on its own: dead-lettered');
      this.o.spool.deadLetter(encodeSpoolLine(bad.p), e instanceof Error ? e.message : String(e));
      bad.settle?.(new AppError('internal', 'usage event could not be stored'));
      return true;
    }
  }

  private leave(e: unknown): false {
    this.abandoned = true;
    this.o.log.error({ err: e }, 'metering store unavailable at shutdown; unwritten events stay in the spool');
    const waiting = [...this.sealed.flatMap((s) => s.items), ...this.open];
    for (const c of waiting)
      c.settle?.(new AppError('upstream_unavailable', 'usage store unavailable; the event is spooled'));
    return false;
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
