import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SseDecoder, type SseEvent } from './sse-decoder.js';
import { splitBytes } from './fixture.js';

function decodeAll(pieces: (string | Uint8Array)[]): SseEvent[] {
  const d = new SseDecoder();
  const out: SseEvent[] = [];
  for (const p of pieces) out.push(...d.push(p));
  out.push(...d.end());
  return out;
}

describe('SseDecoder', () => {
  it('parses events, names, multi-line data and ignores comments', () => {
    const text =
      ': ping\n\nevent: message_start\ndata: {"a":1}\n\ndata: line1\ndata: line2\n\nid: 7\nretry: 10\ndata:no-space\n\n';
    expect(decodeAll([text])).toEqual([
      { event: 'message_start', data: '{"a":1}' },
      { event: null, data: 'line1\nline2' },
      { event: null, data: 'no-space' },
    ]);
  });

  it('treats CRLF, CR and LF alike, including a CRLF split between pieces', () => {
    const expected = [
      { event: 'x', data: '1' },
      { event: null, data: '2' },
    ];
    expect(decodeAll(['event: x\r\ndata: 1\r\n\r\ndata: 2\r\n\r\n'])).toEqual(expected);
    expect(decodeAll(['event: x\rdata: 1\r\rdata: 2\r\r'])).toEqual(expected);
    expect(decodeAll(['event: x\r', '\ndata: 1\r', '\n\r', '\ndata: 2\r\n\r\n'])).toEqual(expected);
    // an empty piece between CR and LF must not turn the CRLF into two line ends
    expect(decodeAll(['event: x\r', '', '\ndata: 1\r\n\r\ndata: 2\n\n'])).toEqual(expected);
  });

  it('dispatches a final event missing its blank line at end of input', () => {
    expect(decodeAll(['data: {"last":true}'])).toEqual([{ event: null, data: '{"last":true}' }]);
  });

  it('ignores events with no data field', () => {
    expect(decodeAll(['event: lonely\n\n'])).toEqual([]);
  });

  it('gives the same events for any split of the byte stream (multi-byte characters included)', () => {
    const text = 'event: a\r\ndata: héllo 🌍\r\n\r\n: comment\n\ndata: {"x":"日本語"}\n\ndata: [DONE]\n\n';
    const whole = decodeAll([text]);
    fc.assert(
      fc.property(fc.array(fc.nat({ max: 120 }), { maxLength: 30 }), (cuts) => {
        expect(decodeAll(splitBytes(text, cuts))).toEqual(whole);
      }),
      { numRuns: 300 },
    );
  });

  it('decodes bytes like one TextDecoder over the whole stream: BOM, split and invalid sequences', () => {
    const byte = fc.oneof(fc.integer({ min: 0x20, max: 0x7f }), fc.integer({ min: 0x80, max: 0xff }), fc.constant(10));
    fc.assert(
      fc.property(
        fc.boolean(),
        fc.array(byte, { maxLength: 80 }),
        fc.array(fc.nat({ max: 90 }), { maxLength: 12 }),
        (bom, body, cuts) => {
          const bytes = Uint8Array.from([
            ...(bom ? [0xef, 0xbb, 0xbf] : []),
            ...[...'data: '].map((c) => c.charCodeAt(0)),
            ...body,
            10,
            10,
          ]);
          const sorted = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
          const pieces: Uint8Array[] = [];
          let at = 0;
          for (const c of [...sorted, bytes.length]) {
            pieces.push(Buffer.from(bytes.subarray(at, c)));
            at = c;
          }
          const expected = decodeAll([new TextDecoder('utf-8').decode(bytes)]);
          expect(decodeAll(pieces)).toEqual(expected);
        },
      ),
      { numRuns: 500 },
    );
  });
});
