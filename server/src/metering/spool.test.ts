// The spool's group write: lines appended in one event-loop turn reach the file together at the
// end of that turn (one write), `written()` resolves after that write, sealing writes what is
// pending, and a reader of the directory in this process sees every line appended in it.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Spool } from './spool.js';

const fresh = () => mkdtempSync(join(tmpdir(), 'spool-unit-'));
const segments = (dir: string) => readdirSync(dir).filter((f) => f.startsWith('seg-'));

describe('Spool', () => {
  it('writes the lines of one turn together when the turn ends; written() resolves after', async () => {
    const dir = fresh();
    const spool = new Spool(dir);
    spool.append('a\n');
    spool.append('b\n');
    // Still inside the turn: nothing on disk yet.
    expect(segments(dir)).toEqual([]);
    await spool.written();
    const [seg] = segments(dir);
    expect(readFileSync(join(dir, seg!), 'utf8')).toBe('a\nb\n');
    // Nothing pending: resolves at once.
    await spool.written();
    spool.append('c\n');
    await new Promise((r) => setImmediate(r)); // any later callback runs after the write
    expect(readFileSync(join(dir, seg!), 'utf8')).toBe('a\nb\nc\n');
    spool.close();
  });

  it('seal() writes what is pending into the segment it closes', () => {
    const dir = fresh();
    const spool = new Spool(dir);
    spool.append('x\n');
    const path = spool.seal();
    expect(path).not.toBeNull();
    expect(readFileSync(path!, 'utf8')).toBe('x\n');
    expect(spool.seal()).toBeNull();
  });

  it('a reader of the directory sees lines another spool of this process appended in the same turn', () => {
    const dir = fresh();
    const writer = new Spool(dir);
    writer.append('{"pending":1}\n');
    const reader = new Spool(dir);
    const [left] = reader.leftovers();
    expect(reader.read(left!)).toEqual(['{"pending":1}']);
  });

  it('reports a failed group write instead of throwing into the event loop', async () => {
    const dir = fresh();
    const errors: unknown[] = [];
    const spool = new Spool(join(dir, 'gone'), (e) => errors.push(e));
    // Make the next segment impossible to create: its directory is replaced by a file.
    rmSync(join(dir, 'gone'), { recursive: true });
    writeFileSync(join(dir, 'gone'), '');
    spool.append('lost\n');
    await spool.written();
    expect(errors).toHaveLength(1);
    expect(existsSync(join(dir, 'gone'))).toBe(true);
  });
});
