import { describe, expect, it } from 'vitest';
import type { ChatChunk, ChatRequest } from '../ports.js';
import { fixtureJson } from '../common/fixture.js';
import { chatResponseToMessage } from '../messages-api/to-messages-response.js';
import { MessagesStreamEncoder } from '../messages-api/stream-encoder.js';
import { geminiAdapter } from './adapter.js';
import { geminiEndpoint as endpoint, streamAll } from './gemini-test-support.js';
import { requiresThoughtSignature, signatureOfToolCall } from './thought-signature.js';

const here = import.meta.url;

describe('gemini thought signatures: rules', () => {
  it('wants a signature from Gemini 3 on, not before', () => {
    for (const m of ['gemini-3-pro-preview', 'models/gemini-3-flash-preview', 'gemini-3.1-pro-preview', 'gemini-3'])
      expect(requiresThoughtSignature(m), m).toBe(true);
    for (const m of ['gemini-2.5-flash', 'gemini-2.0-flash', 'gemini-1.5-pro', 'gemma-3-27b-it', 'gpt-4o', ''])
      expect(requiresThoughtSignature(m), m).toBe(false);
  });

  it('reads the signature only from extra_content.google.thought_signature', () => {
    const call = (extra_content: unknown) => ({ id: 'c', function: { name: 'f', arguments: '{}' }, extra_content });
    expect(signatureOfToolCall(call({ google: { thought_signature: 'sig' } }))).toBe('sig');
    expect(signatureOfToolCall(call({ google: { thought_signature: '' } }))).toBeUndefined();
    expect(signatureOfToolCall(call({ google: { thought_signature: 7 } }))).toBeUndefined();
    expect(signatureOfToolCall(call({ thought_signature: 'sig' }))).toBeUndefined();
    expect(signatureOfToolCall(call('sig'))).toBeUndefined();
  });
});

// A /v1/messages client gets Anthropic tool_use blocks: the signature has no place there and
// must not leak into them (Anthropic SDKs validate block shapes).
describe('gemini thought signatures: the Anthropic front door', () => {
  const toolUse = (id: string, city: string) => ({ type: 'tool_use', id, name: 'get_weather', input: { city } });

  it('renders signed calls as plain tool_use blocks (non-stream)', () => {
    const { response, usage } = geminiAdapter.parseChatResponse(
      fixtureJson(here, 'generate-response-tools-signed.json'),
      'g',
    );
    const message = chatResponseToMessage(response, 'g', usage);
    expect(message['content']).toEqual([
      toolUse('call_resp-tools-signed_0_0', 'Paris'),
      toolUse('call_resp-tools-signed_0_1', 'Oslo'),
    ]);
    expect(JSON.stringify(message)).not.toContain('thought_signature');
  });

  it('renders signed calls as plain tool_use blocks (stream)', () => {
    const parser = geminiAdapter.createStreamParser('g');
    const part = { functionCall: { name: 'get_weather', args: { city: 'Paris' } }, thoughtSignature: 'sig' };
    const chunks: ChatChunk[] = [
      ...parser.push(
        `data: ${JSON.stringify({ candidates: [{ content: { parts: [part] }, finishReason: 'STOP', index: 0 }], responseId: 'r' })}\n\n`,
      ),
      ...parser.end(),
    ];
    expect(JSON.stringify(chunks)).toContain('thought_signature');
    const enc = new MessagesStreamEncoder({ model: 'g' });
    const events = [...chunks.flatMap((c) => enc.events(c)), ...enc.finishEvents()];
    const starts = events.filter((e) => e.type === 'content_block_start').map((e) => e['content_block']);
    expect(starts).toEqual([{ ...toolUse('call_r_0_0', 'Paris'), input: {} }]);
    expect(JSON.stringify(events)).not.toContain('thought_signature');
  });
});

describe('gemini adapter: thought signatures', () => {
  const SIG = 'CiQBjz1rX3Jd0sigParis+/A=';
  const signed = { google: { thought_signature: SIG } };
  const weatherCall = (id: string, city: string, extra?: unknown) => ({
    id,
    type: 'function',
    function: { name: 'get_weather', arguments: JSON.stringify({ city }) },
    ...(extra ? { extra_content: extra } : {}),
  });
  const history = (...assistants: unknown[][]): ChatRequest & { messages: Record<string, unknown>[] } => ({
    model: 'g',
    messages: [
      { role: 'user', content: 'Weather in Paris and Oslo?' },
      ...assistants.flatMap((calls) => [
        { role: 'assistant', content: null, tool_calls: calls },
        ...calls.map((c) => ({ role: 'tool', tool_call_id: (c as { id: string }).id, content: '{"t":"18C"}' })),
      ]),
    ],
  });
  const modelParts = (upstreamModel: string, req: ChatRequest) => {
    const up = geminiAdapter.buildChatRequest(endpoint, upstreamModel, req);
    const { contents } = JSON.parse(up.body!) as { contents: { role: string; parts: unknown[] }[] };
    return contents.filter((c) => c.role === 'model').map((c) => c.parts);
  };

  it('keeps a functionCall part signature on the tool call (non-stream)', () => {
    const { response } = geminiAdapter.parseChatResponse(fixtureJson(here, 'generate-response-tools-signed.json'), 'g');
    const message = (response.choices[0] as { message: { tool_calls: unknown[] } }).message;
    // Parallel calls: Gemini signs the first only, and the unsigned one gets no extra_content.
    expect(message.tool_calls).toEqual([
      weatherCall('call_resp-tools-signed_0_0', 'Paris', signed),
      weatherCall('call_resp-tools-signed_0_1', 'Oslo'),
    ]);
  });

  it('keeps the signature on the delta that starts the tool call (stream)', () => {
    const ev = (parts: unknown[], finish?: string) =>
      `data: ${JSON.stringify({
        candidates: [{ content: { role: 'model', parts }, index: 0, ...(finish ? { finishReason: finish } : {}) }],
        responseId: 'stream-sig',
      })}\n\n`;
    const { chunks } = streamAll(
      ev([{ functionCall: { name: 'get_weather', args: { city: 'Paris' } }, thoughtSignature: SIG }]) +
        ev([{ functionCall: { name: 'get_weather', args: { city: 'Oslo' } } }], 'STOP'),
    );
    expect(chunks.map((c) => (c.choices[0] as { delta: { tool_calls?: unknown } }).delta.tool_calls)).toEqual([
      [{ index: 0, ...weatherCall('call_stream-sig_0_0', 'Paris', signed) }],
      [{ index: 1, ...weatherCall('call_stream-sig_0_1', 'Oslo') }],
    ]);
  });

  it('puts a returned signature back on its functionCall part, and nothing else of extra_content', () => {
    for (const model of ['gemini-3-pro-preview', 'gemini-2.5-flash']) {
      expect(modelParts(model, history([weatherCall('c1', 'Paris', signed), weatherCall('c2', 'Oslo')]))).toEqual([
        [
          { functionCall: { name: 'get_weather', args: { city: 'Paris' } }, thoughtSignature: SIG },
          { functionCall: { name: 'get_weather', args: { city: 'Oslo' } } },
        ],
      ]);
    }
  });

  it('round-trips: the assistant message as parsed, appended to history, is sent back signed', () => {
    const { response } = geminiAdapter.parseChatResponse(fixtureJson(here, 'generate-response-tools-signed.json'), 'g');
    const message = (response.choices[0] as { message: { tool_calls: unknown[] } }).message;
    const [parts] = modelParts('gemini-3-pro-preview', history(message.tool_calls));
    expect(parts).toEqual([
      { functionCall: { name: 'get_weather', args: { city: 'Paris' } }, thoughtSignature: SIG },
      { functionCall: { name: 'get_weather', args: { city: 'Oslo' } } },
    ]);
  });

  it('on Gemini 3, gives unsigned history the documented stand-in on the first call of each step only', () => {
    // Two steps (parallel calls, then one more call), none signed: another model's history, or a
    // client that dropped extra_content.
    const req = history([weatherCall('c1', 'Paris'), weatherCall('c2', 'Oslo')], [weatherCall('c3', 'Rome')]);
    req.messages[1] = { ...req.messages[1], content: 'Checking.' };
    const stand = { thoughtSignature: 'skip_thought_signature_validator' };
    for (const model of ['gemini-3-pro-preview', 'models/gemini-3-flash-preview', 'gemini-3.1-pro-preview']) {
      expect(modelParts(model, req)).toEqual([
        [
          { text: 'Checking.' },
          { functionCall: { name: 'get_weather', args: { city: 'Paris' } }, ...stand },
          { functionCall: { name: 'get_weather', args: { city: 'Oslo' } } },
        ],
        [{ functionCall: { name: 'get_weather', args: { city: 'Rome' } }, ...stand }],
      ]);
    }
  });

  it('adds nothing to unsigned history for Gemini 2.5 and earlier', () => {
    const req = history([weatherCall('c1', 'Paris'), weatherCall('c2', 'Oslo')], [weatherCall('c3', 'Rome')]);
    for (const model of ['gemini-2.5-flash', 'gemini-2.5-pro', 'gemini-2.0-flash', 'gemini-1.5-pro']) {
      const body = geminiAdapter.buildChatRequest(endpoint, model, req).body!;
      expect(body).not.toContain('thoughtSignature');
      expect(body).not.toContain('extra_content');
    }
  });
});
