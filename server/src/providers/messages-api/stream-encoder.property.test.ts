import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ChatChunk } from '../ports.js';
import { MessagesStreamEncoder, type AnthropicEvent } from './stream-encoder.js';

type Op = { kind: 'text'; text: string } | { kind: 'tool'; args: string[] };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('text' as const), text: fc.string({ minLength: 1, maxLength: 8 }) }),
  fc.record({
    kind: fc.constant('tool' as const),
    args: fc.array(fc.string({ minLength: 1, maxLength: 5 }), { maxLength: 4 }),
  }),
);

function chunksOf(ops: Op[]): ChatChunk[] {
  const out: ChatChunk[] = [];
  const c = (delta: Record<string, unknown>): ChatChunk => ({
    id: 'x',
    object: 'chat.completion.chunk',
    choices: [{ index: 0, delta, finish_reason: null }],
  });
  let tool = 0;
  for (const o of ops) {
    if (o.kind === 'text') out.push(c({ content: o.text }));
    else {
      const index = tool++;
      out.push(
        c({ tool_calls: [{ index, id: `call_${index}`, type: 'function', function: { name: 'f', arguments: '' } }] }),
      );
      for (const a of o.args) out.push(c({ tool_calls: [{ index, function: { arguments: a } }] }));
    }
  }
  return out;
}

/** Rebuild the content the way the Anthropic SDK's MessageStream accumulates it. */
function rebuild(events: AnthropicEvent[]): { type: string; text: string }[] {
  const blocks: { type: string; text: string }[] = [];
  for (const e of events) {
    if (e.type === 'content_block_start')
      blocks.push({ type: (e['content_block'] as { type: string }).type, text: '' });
    if (e.type === 'content_block_delta') {
      const d = e['delta'] as { type: string; text?: string; partial_json?: string };
      blocks[e['index'] as number]!.text += d.text ?? d.partial_json ?? '';
    }
  }
  return blocks;
}

function expected(ops: Op[]): { type: string; text: string }[] {
  const out: { type: string; text: string }[] = [];
  for (const o of ops) {
    if (o.kind === 'tool') out.push({ type: 'tool_use', text: o.args.join('') });
    else if (out.at(-1)?.type === 'text') out.at(-1)!.text += o.text;
    else out.push({ type: 'text', text: o.text });
  }
  return out;
}

describe('MessagesStreamEncoder (property)', () => {
  it('always emits a well-formed event sequence that rebuilds the streamed content', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 12 }), (ops) => {
        const enc = new MessagesStreamEncoder({ model: 'm' });
        const events = [...chunksOf(ops).flatMap((c) => enc.events(c)), ...enc.finishEvents()];
        expect(events[0]!.type).toBe('message_start');
        expect(events.at(-1)!.type).toBe('message_stop');
        expect(events.at(-2)!.type).toBe('message_delta');
        // blocks open and close strictly in order, one at a time, indices 0..n-1
        let open: number | null = null;
        let next = 0;
        for (const e of events) {
          if (e.type === 'content_block_start') {
            expect(open).toBeNull();
            expect(e['index']).toBe(next);
            open = next++;
          } else if (e.type === 'content_block_delta') expect(e['index']).toBe(open);
          else if (e.type === 'content_block_stop') {
            expect(e['index']).toBe(open);
            open = null;
          }
        }
        expect(open).toBeNull();
        expect(rebuild(events)).toEqual(expected(ops));
      }),
      { numRuns: 300 },
    );
  });
});
