// The write-ahead spool: append-only segment files in DATA_DIR/spool/. Lines appended during one
// turn of the event loop are written together by ONE fs.writeSync at the end of that turn
// (process.nextTick): one syscall per turn instead of one per event. Once that write returned the
// bytes are in the kernel's page cache: they survive `kill -9` of the process (not a power cut;
// fsync per event would cost ~1000x the throughput). See README "Durability window".
// A segment is removed once every event in it has committed; segments found at start-up are
// replayed (the batch writer drops ids already stored, so a replay never double-counts).
import { randomBytes } from 'node:crypto';
import {
  appendFileSync,
  closeSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';

const SEGMENT = /^seg-\d+-[0-9a-f]+-\d+\.jsonl$/;

/**
 * Live spools of this process by directory: a reader of a directory (replay) first writes what the
 * other spools of this process appended there, so lines appended in this process are never
 * invisible to a reader in this process (tests run a "restarted" pipeline beside the old one).
 */
const live = new Map<string, Set<Spool>>();

export class Spool {
  /** Lines appended this turn, not yet written. */
  private pending = '';
  private scheduled = false;
  /** Resolvers waiting for the current turn's write (see `written`). */
  private waiting: (() => void)[] = [];
  private fd: number | null = null;
  private path: string | null = null;
  private seq = 0;
  /** Tells this writer's segments apart from another instance's on the same directory. */
  private readonly tag = randomBytes(4).toString('hex');

  constructor(
    readonly dir: string,
    /** A failed group write (disk full…): the events stay in memory and are still committed. */
    private readonly onWriteError: (e: unknown) => void = () => {},
  ) {
    mkdirSync(dir, { recursive: true });
    let set = live.get(dir);
    if (!set) live.set(dir, (set = new Set()));
    set.add(this);
  }

  /** Segments left by an earlier process (oldest first); call before the first append. */
  leftovers(): string[] {
    for (const other of live.get(this.dir) ?? []) {
      try {
        other.writePending();
      } catch (e) {
        other.onWriteError(e);
      }
    }
    return readdirSync(this.dir)
      .filter((f) => SEGMENT.test(f))
      .sort()
      .map((f) => join(this.dir, f))
      .filter((f) => f !== this.path);
  }

  /**
   * Queue one line; it is written with the rest of this turn's lines when the turn ends (or at
   * the next `writePending`/`seal`). Durable once `written()` resolves.
   */
  append(line: string): void {
    this.pending += line;
    if (!this.scheduled) {
      this.scheduled = true;
      // nextTick: after the current synchronous code, before any I/O or timer callback.
      process.nextTick(this.flushTurn);
    }
  }

  private readonly flushTurn = (): void => {
    this.scheduled = false;
    try {
      this.writePending();
    } catch (e) {
      this.onWriteError(e);
    }
    const waiting = this.waiting;
    this.waiting = [];
    for (const w of waiting) w();
  };

  /** Write the lines queued so far now, with one syscall (throws on an I/O error). */
  writePending(): void {
    if (this.pending.length === 0) return;
    const text = this.pending;
    this.pending = '';
    if (this.fd === null) {
      this.seq += 1;
      this.path = join(this.dir, `seg-${Date.now()}-${this.tag}-${String(this.seq).padStart(9, '0')}.jsonl`);
      this.fd = openSync(this.path, 'a');
    }
    writeSync(this.fd, text);
  }

  /** Resolves once every line appended so far was handed to the kernel (the end of this turn). */
  written(): Promise<void> {
    if (!this.scheduled) return Promise.resolve();
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  /** Close the open segment and return its path (null when nothing was appended since). */
  seal(): string | null {
    try {
      this.writePending();
    } catch (e) {
      this.onWriteError(e);
    }
    if (this.fd === null) return null;
    closeSync(this.fd);
    const sealed = this.path;
    this.fd = null;
    this.path = null;
    return sealed;
  }

  /** A segment's lines; a torn last line (the process died inside write) is returned as-is. */
  read(path: string): string[] {
    return readFileSync(path, 'utf8')
      .split('\n')
      .filter((l) => l.length > 0);
  }

  remove(path: string): void {
    try {
      unlinkSync(path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
  }

  /** Events that fail on their own against a healthy database are parked here for an operator. */
  deadLetter(line: string, reason: string): void {
    appendFileSync(
      join(this.dir, 'dead-letter.jsonl'),
      JSON.stringify({ reason, at: Date.now(), line: line.trimEnd() }) + '\n',
    );
  }

  close(): void {
    // Stays in `live`: lines appended after close() (kept for the next start) must stay visible.
    this.seal();
  }
}
