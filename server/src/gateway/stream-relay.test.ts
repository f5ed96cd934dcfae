// primeStream decides, before any byte reaches the client, whether a streamed answer is usable:
// the opening event (OpenAI's role chunk, Anthropic's message_start) is not enough; output or a
// completed (possibly empty) answer is.
import { describe, expect, it } from 'vitest';
import { createAnthropicStreamParser } from '../providers/anthropic/stream-parser.js';
import { createOpenAIStreamParser } from '../providers/openai/stream-parser.js';
import { anthropicDialect } from './anthropic-dialect.js';
import { UnusableAnswer } from './attempt-loop.js';
import { openAiDialect } from './openai-dialect.js';
import { OpenAiPassthrough } from './openai-passthrough.js';
import { primeStream } from './stream-relay.js';
import { ParsedTranscoder, type StreamTranscoder } from './stream-transcoder.js';
import type { UpstreamReply } from './upstream-reply.js';

const MODEL = 'pub-model';
const opts = { model: MODEL, requestId: 'req_1', includeUsage: false, promptEstimate: 3, created: 7 };

/** An upstream body read in `reads` pieces; after them it ends, or (`hang`) never answers again. */
function replyOf(reads: string[], hang = false): UpstreamReply & { pulls: () => number } {
  let i = 0;
  return {
    pulls: () => i,
    text: async () => reads.join(''),
    chunks: () => ({
      next: () => {
        const value = reads[i++];
        if (value !== undefined) return Promise.resolve({ done: false as const, value: Buffer.from(value) });
        return hang ? new Promise<never>(() => {}) : Promise.resolve({ done: true as const, value: undefined });
      },
    }),
    dump: () => {},
    release: () => {},
  };
}

const transcoders: [string, () => StreamTranscoder][] = [
  [
    'passthrough',
    () =>
      new OpenAiPassthrough(createOpenAIStreamParser(MODEL), openAiDialect.createStream(opts), {
        publicModel: MODEL,
        object: 'chat.completion.chunk',
        includeUsage: false,
      }),
  ],
  [
    'parsed, OpenAI client',
    () => new ParsedTranscoder(createOpenAIStreamParser(MODEL), openAiDialect.createStream(opts)),
  ],
  [
    'parsed, Anthropic client',
    () => new ParsedTranscoder(createOpenAIStreamParser(MODEL), anthropicDialect.createStream(opts)),
  ],
];

const oa = (delta: object, finish: string | null = null) =>
  `data: ${JSON.stringify({
    id: 'chatcmpl-1',
    object: 'chat.completion.chunk',
    created: 1,
    model: 'up-model',
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
  })}\n\n`;
const ROLE = oa({ role: 'assistant', content: '' });
const OA_ERROR = `data: ${JSON.stringify({ error: { message: 'The server is overloaded', type: 'server_error', code: 503 } })}\n\n`;

async function unusable(p: Promise<unknown>): Promise<UnusableAnswer> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(UnusableAnswer);
  return e as UnusableAnswer;
}

describe.each(transcoders)('primeStream, OpenAI-format upstream (%s)', (_name, make) => {
  it('an error frame right after the role chunk makes the attempt unusable (retryable)', async () => {
    const e = await unusable(primeStream(replyOf([ROLE + OA_ERROR]), make()));
    expect(e.failure).toMatchObject({ status: 503, retryable: true });
    // In separate reads too.
    const e2 = await unusable(primeStream(replyOf([ROLE, OA_ERROR]), make()));
    expect(e2.failure.retryable).toBe(true);
  });

  it('a body that ends after the role chunk makes the attempt unusable (retryable 502)', async () => {
    const e = await unusable(primeStream(replyOf([ROLE]), make()));
    expect(e.failure).toMatchObject({ status: 502, retryable: true });
  });

  it('holds the role chunk until the first content, then has both to send, reading no further', async () => {
    const reply = replyOf([ROLE, oa({ content: 'Hi' })], true);
    const primed = await primeStream(reply, make());
    expect(reply.pulls()).toBe(2);
    expect(primed.ended).toBe(false);
    expect(primed.first).toContain('Hi');
    expect(primed.transcoder.sawOutput()).toBe(true);
    // The opening event is in the held text, before the content.
    expect(primed.first.indexOf('Hi')).toBeGreaterThan(0);
  });

  it('role chunk and content in one read: primed after that read', async () => {
    const reply = replyOf([ROLE + oa({ content: 'Hi' })], true);
    const primed = await primeStream(reply, make());
    expect(reply.pulls()).toBe(1);
    expect(primed.first).toContain('Hi');
  });

  it('a tool call counts as output', async () => {
    const call = oa({ tool_calls: [{ index: 0, id: 'c1', type: 'function', function: { name: 'f', arguments: '' } }] });
    const primed = await primeStream(replyOf([oa({ role: 'assistant', content: null }), call], true), make());
    expect(primed.transcoder.sawOutput()).toBe(true);
  });

  it('an empty answer (finish reason, no content) is usable, not retried', async () => {
    const primed = await primeStream(replyOf([ROLE, oa({}, 'length') + 'data: [DONE]\n\n']), make());
    expect(primed.transcoder.sawOutput()).toBe(false);
    expect(primed.transcoder.completed()).toBe(true);
    expect(primed.transcoder.error()).toBeNull();
  });

  it('content and an error frame in one read: usable (the relay sends the content, then the error)', async () => {
    const primed = await primeStream(replyOf([ROLE + oa({ content: 'Hi' }) + OA_ERROR]), make());
    expect(primed.first).toContain('Hi');
    expect(primed.transcoder.error()).not.toBeNull();
  });
});

const an = (type: string, data: object = {}) => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
const MESSAGE_START = an('message_start', {
  message: {
    id: 'msg_1',
    type: 'message',
    role: 'assistant',
    content: [],
    usage: { input_tokens: 10, output_tokens: 1 },
  },
});
const OVERLOADED = an('error', { error: { type: 'overloaded_error', message: 'Overloaded' } });

describe.each([
  ['OpenAI client', () => new ParsedTranscoder(createAnthropicStreamParser(MODEL), openAiDialect.createStream(opts))],
  [
    'Anthropic client',
    () => new ParsedTranscoder(createAnthropicStreamParser(MODEL), anthropicDialect.createStream(opts)),
  ],
] as const)('primeStream, Anthropic upstream (%s)', (_name, make) => {
  it('an error event right after message_start makes the attempt unusable (overloaded: retryable)', async () => {
    const e = await unusable(primeStream(replyOf([MESSAGE_START + an('ping') + OVERLOADED]), make()));
    expect(e.failure.retryable).toBe(true);
    const e2 = await unusable(primeStream(replyOf([MESSAGE_START, an('ping'), OVERLOADED]), make()));
    expect(e2.failure.retryable).toBe(true);
  });

  it('a body that ends after message_start makes the attempt unusable', async () => {
    const e = await unusable(primeStream(replyOf([MESSAGE_START, an('ping')]), make()));
    expect(e.failure).toMatchObject({ status: 502, retryable: true });
  });

  it('primed at the first text delta, not at message_start', async () => {
    const start = an('content_block_start', { index: 0, content_block: { type: 'text', text: '' } });
    const delta = an('content_block_delta', { index: 0, delta: { type: 'text_delta', text: 'Hi' } });
    const reply = replyOf([MESSAGE_START, start, delta], true);
    const primed = await primeStream(reply, make());
    expect(reply.pulls()).toBe(3);
    expect(primed.first).toContain('Hi');
  });

  it('a thinking delta counts as output', async () => {
    const start = an('content_block_start', { index: 0, content_block: { type: 'thinking', thinking: '' } });
    const delta = an('content_block_delta', { index: 0, delta: { type: 'thinking_delta', thinking: 'hmm' } });
    const primed = await primeStream(replyOf([MESSAGE_START + start, delta], true), make());
    expect(primed.transcoder.sawOutput()).toBe(true);
  });

  it('an empty answer (stop reason, no content) is usable, not retried', async () => {
    const end =
      an('message_delta', { delta: { stop_reason: 'max_tokens' }, usage: { output_tokens: 0 } }) + an('message_stop');
    const primed = await primeStream(replyOf([MESSAGE_START, end]), make());
    expect(primed.transcoder.completed()).toBe(true);
    expect(primed.transcoder.usage()).toMatchObject({ promptTokens: 10, completionTokens: 0 });
  });
});
