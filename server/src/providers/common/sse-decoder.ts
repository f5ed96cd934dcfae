// Server-Sent Events framing (WHATWG "event stream" parsing), shared by every provider's stream
// parser. Input arrives in arbitrary pieces — a CRLF, a multi-byte character or a `data:` field may
// be split anywhere — so all state that spans pieces lives here and nowhere else.

export interface SseEvent {
  /** The `event:` field, or null when the event had none (OpenAI and Gemini never name events). */
  event: string | null;
  data: string;
}

const STREAM = { stream: true };

export class SseDecoder {
  private buffer = '';
  /** The previous piece ended in '\r': a leading '\n' in the next piece belongs to that CRLF. */
  private pendingCr = false;
  private eventName: string | null = null;
  private dataLines: string[] = [];
  private readonly utf8 = new TextDecoder('utf-8');
  /** The TextDecoder holds no partial character and is past the start (where it drops a BOM). */
  private clean = false;

  push(input: string | Uint8Array): SseEvent[] {
    let text = typeof input === 'string' ? input : this.decode(input);
    if (text.length === 0) return [];
    if (this.pendingCr && text.startsWith('\n')) text = text.slice(1);
    this.pendingCr = false;
    this.buffer += text;
    return this.drainLines();
  }

  /** A piece that ends on an ASCII byte, after a clean one, is whole UTF-8 on its own: Buffer's
   *  decoder (same replacement of invalid bytes as TextDecoder) is several times cheaper than the
   *  streaming TextDecoder. Anything else goes through the TextDecoder, which keeps split
   *  characters across pieces. */
  private decode(input: Uint8Array): string {
    const n = input.length;
    const ascii = n > 0 && input[n - 1]! < 0x80;
    if (this.clean && ascii) {
      return (Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, n)).toString('utf8');
    }
    const text = this.utf8.decode(input, STREAM);
    if (n > 0) this.clean = ascii;
    return text;
  }

  /** End of input. A final event not terminated by a blank line is dispatched anyway: several
   *  OpenAI-compatible servers close the body right after the last `data:` line. */
  end(): SseEvent[] {
    const rest = this.utf8.decode();
    if (rest) this.buffer += rest;
    const out = this.drainLines();
    if (this.buffer.length > 0) {
      this.processLine(this.buffer, out);
      this.buffer = '';
    }
    this.dispatch(out);
    return out;
  }

  private drainLines(): SseEvent[] {
    const out: SseEvent[] = [];
    const buf = this.buffer;
    let start = 0;
    if (buf.indexOf('\r') === -1) {
      // The usual case, LF line ends only: let indexOf (native, vectorised) find them.
      for (let i = buf.indexOf('\n'); i !== -1; i = buf.indexOf('\n', start)) {
        this.processLine(buf.slice(start, i), out);
        start = i + 1;
      }
      this.buffer = start === 0 ? buf : buf.slice(start);
      return out;
    }
    for (let i = 0; i < buf.length; i++) {
      const c = buf.charCodeAt(i);
      if (c !== 10 && c !== 13) continue;
      if (c === 13) {
        if (i + 1 === buf.length) {
          // Cannot tell yet whether this CR is a CRLF; treat it as a line end and remember.
          this.pendingCr = true;
        } else if (buf.charCodeAt(i + 1) === 10) {
          this.processLine(buf.slice(start, i), out);
          i++;
          start = i + 1;
          continue;
        }
      }
      this.processLine(buf.slice(start, i), out);
      start = i + 1;
    }
    this.buffer = start === 0 ? buf : buf.slice(start);
    return out;
  }

  private processLine(line: string, out: SseEvent[]): void {
    if (line.length === 0) {
      this.dispatch(out);
      return;
    }
    if (line.charCodeAt(0) === 58 /* ':' comment / keep-alive */) return;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.charCodeAt(0) === 32) value = value.slice(1);
    if (field === 'data') this.dataLines.push(value);
    else if (field === 'event') this.eventName = value;
    // id / retry and unknown fields carry nothing a provider parser needs.
  }

  private dispatch(out: SseEvent[]): void {
    const lines = this.dataLines;
    if (lines.length > 0) {
      out.push({ event: this.eventName, data: lines.length === 1 ? lines[0]! : lines.join('\n') });
    }
    this.dataLines = [];
    this.eventName = null;
  }
}
