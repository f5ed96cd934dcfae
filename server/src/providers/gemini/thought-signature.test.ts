import { describe, expect, it } from 'vitest';
import type { ChatChunk } from '../ports.js';
import { fixtureJson } from '../common/fixture.js';
import { chatResponseToMessage } from '../messages-api/to-messages-response.js';
import { MessagesStreamEncoder } from '../messages-api/stream-encoder.js';
import { geminiAdapter } from './adapter.js';
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
