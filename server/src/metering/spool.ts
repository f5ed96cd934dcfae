// The write-ahead spool: append-only segment files in DATA_DIR/spool/. An event is acknowledged
// only after fs.writeSync returned, i.e. the bytes are in the kernel's page cache: they survive
// `kill -9` of the process (not a power cut; fsync per event would cost ~1000x the throughput).
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

export class Spool {
  private fd: number | null = null;
  private path: string | null = null;
  private seq = 0;
  /** Tells this writer's segments apart from another instance's on the same directory. */
  private readonly tag = randomBytes(4).toString('hex');

  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  /** Segments left by an earlier process (oldest first); call before the first append. */
  leftovers(): string[] {
    return readdirSync(this.dir)
      .filter((f) => SEGMENT.test(f))
      .sort()
      .map((f) => join(this.dir, f))
      .filter((f) => f !== this.path);
  }

  /** Durably append one line (synchronously: the caller acknowledges after this returns). */
  append(line: string): void {
    if (this.fd === null) {
      this.seq += 1;
      this.path = join(this.dir, `seg-${Date.now()}-${this.tag}-${String(this.seq).padStart(9, '0')}.jsonl`);
      this.fd = openSync(this.path, 'a');
    }
    writeSync(this.fd, line);
  }

  /** Close the open segment and return its path (null when nothing was appended since). */
  seal(): string | null {
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
    this.seal();
  }
}
