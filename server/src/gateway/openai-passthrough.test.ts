// The passthrough must answer exactly like the general path (adapter parser + OpenAI writer): same
// events, same JSON values, same usage and completion state, for any split of the upstream bytes.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createOpenAICompletionsStreamParser, createOpenAIStreamParser } from '../providers/openai/stream-parser.js';
import { gatewayError } from './gateway-error.js';
import { openAiDialect } from './openai-dialect.js';
import { forwardOpenAiChatResponse, OpenAiPassthrough } from './openai-passthrough.js';
import { parseOpenAIChatResponse } from '../providers/openai/parse-response.js';
import { ParsedTranscoder, type StreamTranscoder } from './stream-transcoder.js';

const PUBLIC = 'team/gpt-public';
const opts = (includeUsage: boolean) => ({
  model: PUBLIC,
  requestId: 'req_1',
  includeUsage,
  promptEstimate: 3,
  created: 7,
});
const pair = (includeUsage: boolean): [StreamTranscoder, StreamTranscoder] => [
  new ParsedTranscoder(createOpenAIStreamParser(PUBLIC), openAiDialect.createStream(opts(includeUsage))),
  new OpenAiPassthrough(createOpenAIStreamParser(PUBLIC), openAiDialect.createStream(opts(includeUsage)), {
    publicModel: PUBLIC,
    object: 'chat.completion.chunk',
    includeUsage,
  }),
];

/** SSE text → the JSON value of each event (or the literal data when not JSON). */
const events = (sse: string): unknown[] =>
  sse
    .split('\n\n')
    .filter((e) => e.trim())
    .map((e) => {
      const data = e.replace(/^data: /, '');
      try {
        return JSON.parse(data) as unknown;
      } catch {
        return data;
      }
    });

function run(t: StreamTranscoder, pieces: string[], usage = { promptTokens: 1, completionTokens: 2 }) {
  let out = '';
  for (const p of pieces) out += t.push(Buffer.from(p));
  out += t.end();
  const u = { ...usage, cachedTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 };
  out += t.error() ? t.fail(gatewayError(502, 'upstream_error', 'x')) : t.finish(t.usage() ?? u, '0.01');
  return { events: events(out), usage: t.usage(), completed: t.completed(), output: t.sawOutput(), error: t.error() };
}

const chunk = (model: string, delta: Record<string, unknown>, extra: Record<string, unknown> = {}, space = false) => {
  const body = {
    id: 'chatcmpl-1',
    object: 'chat.completion.chunk',
    created: 1,
    model,
    choices: [{ index: 0, delta, finish_reason: null }],
    ...extra,
  };
  return `data: ${space ? JSON.stringify(body, null, 1).replace(/\n/g, '') : JSON.stringify(body)}\n\n`;
};

/** Split a transcript at arbitrary points (bytes of multi-byte characters included). */
function split(text: string, cuts: number[]): string[] {
  const bytes = Buffer.from(text);
  const at = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: string[] = [];
  let prev = 0;
  for (const c of at) {
    out.push(bytes.subarray(prev, c).toString('latin1'));
    prev = c;
  }
  out.push(bytes.subarray(prev).toString('latin1'));
  return out.map((s) => Buffer.from(s, 'latin1').toString('latin1'));
}

describe('OpenAiPassthrough', () => {
  it('forwards canonical events as bytes, renaming the model and dropping usage:null', () => {
    const [, fast] = pair(false);
    const out = fast.push(chunk('gpt-upstream', { content: 'hi "model":"x"' }, { usage: null }));
    expect(out).toBe(chunk(PUBLIC, { content: 'hi "model":"x"' }));
    expect(fast.sawOutput()).toBe(true);
  });

  it('answers like the general path for any stream and any split', () => {
    const piece = fc.oneof(
      fc.string({ maxLength: 8 }),
      fc.constantFrom('é', '💡', '"', '\\', '"model":"', '\n', 'data: x'),
    );
    const event = fc.oneof(
      fc.record({ kind: fc.constant('content' as const), text: piece, usageNull: fc.boolean(), space: fc.boolean() }),
      fc.record({ kind: fc.constant('finish' as const) }),
      fc.record({ kind: fc.constant('usage' as const), p: fc.nat(50), c: fc.nat(50) }),
      fc.record({ kind: fc.constant('tool' as const) }),
      fc.record({ kind: fc.constant('error' as const) }),
      // Same leading fields as the content chunks, then something that needs the general path.
      fc.record({ kind: fc.constant('chunk-error' as const) }),
      fc.record({ kind: fc.constant('other-model' as const), text: piece }),
      fc.record({ kind: fc.constant('garbage' as const) }),
      fc.record({ kind: fc.constant('done' as const) }),
    );
    fc.assert(
      fc.property(
        fc.array(event, { maxLength: 8 }),
        fc.array(fc.nat(2000), { maxLength: 6 }),
        fc.boolean(),
        fc.boolean(),
        (evs, cuts, includeUsage, crlf) => {
          let text = '';
          for (const e of evs) {
            if (e.kind === 'content')
              text += chunk('up', { content: e.text }, e.usageNull ? { usage: null } : {}, e.space);
            else if (e.kind === 'finish')
              text += `data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"up","choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":null}\n\n`;
            else if (e.kind === 'usage')
              text += `data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"up","choices":[],"usage":{"prompt_tokens":${e.p},"completion_tokens":${e.c},"total_tokens":${e.p + e.c}}}\n\n`;
            else if (e.kind === 'tool')
              text += chunk('up', {
                tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'f', arguments: '{"a"' } }],
              });
            else if (e.kind === 'error') text += 'data: {"error":{"message":"overloaded","code":503}}\n\n';
            else if (e.kind === 'chunk-error')
              text += chunk('up', { content: '' }, { error: { message: 'mid-stream', code: 502 } });
            else if (e.kind === 'other-model') text += chunk('up-2', { content: e.text }, { usage: null });
            else if (e.kind === 'garbage') text += 'data: {not json\n\n';
            else text += 'data: [DONE]\n\n';
          }
          if (crlf) text = text.replace(/\n/g, '\r\n');
          const [general, fast] = pair(includeUsage);
          const pieces = split(text, cuts).map((p) => Buffer.from(p, 'latin1').toString('latin1'));
          const bytes = (ps: string[]) => ps.map((p) => Buffer.from(p, 'latin1'));
          const a = runBytes(general, bytes(pieces));
          const b = runBytes(fast, bytes(pieces));
          expect(b).toEqual(a);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('counts what it forwarded when the provider never reports usage', () => {
    const [general, fast] = pair(true);
    const text = chunk('up', { content: 'Hello there, ' }) + chunk('up', { content: 'general Kenobi' });
    for (const t of [general, fast]) t.push(text);
    expect(fast.usage()).toBeNull();
    expect(fast.producedTokens(PUBLIC)).toBe(general.producedTokens(PUBLIC));
    expect(fast.producedTokens(PUBLIC)).toBeGreaterThan(3);
  });

  it('serves legacy completion streams (text_completion) the same way', () => {
    const mk = (fast: boolean): StreamTranscoder => {
      const parser = createOpenAICompletionsStreamParser(PUBLIC) as never;
      const writer = openAiDialect.createStream({ ...opts(false), object: 'text_completion' });
      return fast
        ? new OpenAiPassthrough(parser, writer, { publicModel: PUBLIC, object: 'text_completion', includeUsage: false })
        : new ParsedTranscoder(parser, writer);
    };
    const text =
      'data: {"id":"cmpl-1","object":"text_completion","created":1,"model":"up","choices":[{"text":"Once","index":0,"finish_reason":null}],"usage":null}\n\n' +
      'data: {"id":"cmpl-1","object":"text_completion","created":1,"model":"up","choices":[{"text":"","index":0,"finish_reason":"length"}],"usage":null}\n\n' +
      'data: {"id":"cmpl-1","object":"text_completion","created":1,"model":"up","choices":[],"usage":{"prompt_tokens":3,"completion_tokens":1,"total_tokens":4}}\n\n' +
      'data: [DONE]\n\n';
    const a = run(mk(false), [text]);
    const b = run(mk(true), [text]);
    expect(b).toEqual(a);
    expect(b.output).toBe(true);
    expect(b.usage).toMatchObject({ promptTokens: 3, completionTokens: 1 });
  });
});

function runBytes(t: StreamTranscoder, pieces: Buffer[]) {
  let out = '';
  for (const p of pieces) out += t.push(p);
  out += t.end();
  const fallback = { promptTokens: 1, completionTokens: 2, cachedTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 };
  out += t.error() ? t.fail(gatewayError(502, 'upstream_error', 'x')) : t.finish(t.usage() ?? fallback, '0.01');
  return { events: events(out), usage: t.usage(), completed: t.completed(), output: t.sawOutput(), error: t.error() };
}

describe('forwardOpenAiChatResponse (non-stream)', () => {
  const answer = {
    id: 'chatcmpl-1',
    object: 'chat.completion',
    created: 1_700_000_000,
    model: 'gpt-4o-mini-2024-07-18',
    choices: [{ index: 0, message: { role: 'assistant', content: 'say "model": "x" {[' }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 },
    system_fingerprint: 'fp',
  };
  /** What the general path sends: the adapter's parse, re-serialised by the OpenAI dialect. */
  const general = (json: unknown) =>
    JSON.parse(JSON.stringify(parseOpenAIChatResponse(json, PUBLIC, { created: 5 }).response)) as unknown;
  /** The fast path, given the usage the parse read (as call-runner does). */
  const forwarded = (text: string) => {
    const json = JSON.parse(text) as unknown;
    return forwardOpenAiChatResponse(text, json, PUBLIC, parseOpenAIChatResponse(json, PUBLIC, { created: 5 }).usage);
  };

  it('swaps the model in the upstream bytes, compact or pretty-printed, wherever the key sits', () => {
    const { model, ...rest } = answer;
    for (const body of [answer, { ...rest, model }, { model, ...rest }]) {
      for (const text of [JSON.stringify(body), JSON.stringify(body, null, 2)]) {
        const out = forwarded(text);
        expect(out).not.toBeNull();
        expect(JSON.parse(out!)).toEqual(general(JSON.parse(text)));
        // Only the model changed: the rest is the upstream's own bytes.
        expect(out!.replace(JSON.stringify(PUBLIC), JSON.stringify(model))).toBe(text);
      }
    }
    const same = JSON.stringify({ ...answer, model: PUBLIC });
    expect(forwarded(same)).toBe(same);
    const noUsage = JSON.stringify({ ...answer, usage: undefined });
    expect(JSON.parse(forwarded(noUsage)!)).toEqual(general(JSON.parse(noUsage)));
  });

  it('backs off (null) whenever the general path would normalise something', () => {
    const cases: unknown[] = [
      { ...answer, usage: null },
      { ...answer, created: undefined },
      { ...answer, created: 0 },
      { ...answer, object: undefined },
      { ...answer, id: 7 },
      { ...answer, model: undefined },
      { ...answer, model: 3 },
      { ...answer, extra: { model: 'nested' } },
    ];
    for (const c of cases) expect(forwarded(JSON.stringify(c))).toBeNull();
    // Escaped spellings and duplicate keys are left to the general path.
    const text = JSON.stringify(answer);
    expect(forwarded(text.replace('"model"', '"mod\\u0065l"'))).toBeNull();
    expect(
      forwarded(text.replace('"model":"gpt-4o-mini-2024-07-18"', '"model":"gpt-4o\\u002dmini-2024-07-18"')),
    ).toBeNull();
    expect(forwarded(text.replace('{', '{"model":"other",'))).toBeNull();
  });

  it('agrees with the general path on arbitrary answers', () => {
    const key = fc.constantFrom('model', 'id', 'object', 'created', 'content', 'x', 'mod"el', 'usage');
    const value = fc.oneof(
      fc.string(),
      fc.integer(),
      fc.constant(null),
      fc.dictionary(key, fc.string(), { maxKeys: 2 }),
    );
    fc.assert(
      fc.property(fc.dictionary(key, value, { maxKeys: 5 }), fc.boolean(), (extra, pretty) => {
        const body = { ...answer, ...extra, choices: [] };
        const text = JSON.stringify(body, null, pretty ? 1 : 0);
        const out = forwarded(text);
        if (out !== null) expect(JSON.parse(out)).toEqual(general(JSON.parse(text)));
      }),
    );
  });
});
