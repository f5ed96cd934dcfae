import { describe, expect, it } from 'vitest';
import type { ProviderEndpoint, ProviderType } from '../ports.js';
import { getProviderAdapter } from '../registry.js';
import { NATIVE_THINKING_BLOCKS } from '../anthropic/thinking.js';
import { NATIVE_TOOL_RESULT, TOOL_RESULT_IMAGES_COPY } from '../anthropic/tool-result-images.js';
import { parseMessagesRequest } from './index.js';

const base = { model: 'm', max_tokens: 700 };
const user = (...content: unknown[]) => ({ ...base, messages: [{ role: 'user', content }] });
const assistant = (...content: unknown[]) => ({
  ...base,
  messages: [
    { role: 'user', content: 'hi' },
    { role: 'assistant', content },
  ],
});

function upstreamBody(type: ProviderType, body: unknown, upstreamModel = 'up-model'): Record<string, unknown> {
  const r = parseMessagesRequest(body);
  if (!r.ok) throw new Error(r.error.message);
  const p: ProviderEndpoint = { id: type, type, baseUrl: 'https://upstream.example/v1', apiKey: 'k' };
  return JSON.parse(getProviderAdapter(type).buildChatRequest(p, upstreamModel, r.value).body!) as Record<
    string,
    unknown
  >;
}

describe('messages-api: output cap', () => {
  it('stays max_tokens, the field every OpenAI-compatible server reads', () => {
    const r = parseMessagesRequest(user({ type: 'text', text: 'hi' }));
    expect(r.ok && r.value).toMatchObject({ max_tokens: 700 });
    expect(r.ok && 'max_completion_tokens' in r.value).toBe(false);
  });

  it('reaches every upstream as its own cap field', () => {
    const req = user({ type: 'text', text: 'hi' });
    for (const type of ['openai', 'azure-openai'] as const) {
      expect(upstreamBody(type, req)['max_tokens'], type).toBe(700);
      // OpenAI's reasoning models refuse max_tokens: they get max_completion_tokens instead.
      const reasoning = upstreamBody(type, req, 'o4-mini');
      expect(reasoning['max_completion_tokens'], type).toBe(700);
      expect(reasoning['max_tokens'], type).toBeUndefined();
    }
    expect(upstreamBody('anthropic', req)['max_tokens']).toBe(700);
    expect(upstreamBody('gemini', req)['generationConfig']).toMatchObject({ maxOutputTokens: 700 });
  });
});

describe('messages-api: content blocks', () => {
  it('refuses a known block missing a required field, naming it (never the text "undefined")', () => {
    const bad: [unknown, string][] = [
      [user({ type: 'text' }), 'messages.0.content.0.text'],
      [user({ type: 'text', text: 'ok' }, { type: 'text', text: 3 }), 'messages.0.content.1.text'],
      [
        user({ type: 'image', source: { type: 'base64', media_type: 'image/png' } }),
        'messages.0.content.0.source.data',
      ],
      [user({ type: 'image', source: { type: 'base64', data: 'iVBORw0=' } }), 'messages.0.content.0.source.media_type'],
      [user({ type: 'image', source: { type: 'url' } }), 'messages.0.content.0.source.url'],
      [user({ type: 'image' }), 'messages.0.content.0.source'],
      [user({ type: 'image', source: { type: 'file', file_id: 'f' } }), 'messages.0.content.0.source.type'],
      [user({ type: 'tool_result', content: 'x' }), 'messages.0.content.0.tool_use_id'],
      [user({ type: 'tool_result', tool_use_id: 't', content: 5 }), 'messages.0.content.0.content'],
      [assistant({ type: 'tool_use', name: 'f', input: {} }), 'messages.1.content.0.id'],
      [assistant({ type: 'tool_use', id: 't', input: {} }), 'messages.1.content.0.name'],
      [assistant({ type: 'tool_use', id: 't', name: 'f' }), 'messages.1.content.0.input'],
      [assistant({ type: 'tool_use', id: 't', name: 'f', input: '{"a":1}' }), 'messages.1.content.0.input'],
      [{ ...user({ type: 'text', text: 'x' }), system: [{ type: 'text' }] }, 'system.0.text'],
      [{ ...base, messages: [{ role: 'user', content: 5 }] }, 'messages.0.content'],
    ];
    for (const [body, field] of bad) {
      const r = parseMessagesRequest(body);
      expect(r.ok, JSON.stringify(body)).toBe(false);
      if (!r.ok) expect(r.error.field, JSON.stringify(body)).toBe(field);
    }
  });

  it('refuses block types it cannot translate instead of dropping them from the prompt', () => {
    const pdf = { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: 'JVBERi0=' } };
    for (const [block, message] of [
      [pdf, /^messages\.0\.content\.1\.type: content block type "document" is not supported \(supported: text, /],
      [{ type: 'search_result', source: 's', title: 't', content: [] }, /"search_result" is not supported/],
      [{ text: 'no type' }, /^messages\.0\.content\.1\.type: content block needs a string type/],
    ] as const) {
      const r = parseMessagesRequest(user({ type: 'text', text: 'Summarise this PDF.' }, block));
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(r.error.field).toBe('messages.0.content.1.type');
        expect(r.error.message).toMatch(message);
      }
    }
    const file = parseMessagesRequest(user({ type: 'image', source: { type: 'file', file_id: 'file_1' } }));
    expect(!file.ok && file.error.message).toMatch(/image source type "file" is not supported/);
  });

  it('still accepts thinking blocks (Anthropic upstreams only) and an empty tool_result', () => {
    const r = parseMessagesRequest({
      ...base,
      messages: [
        { role: 'user', content: 'hi' },
        {
          role: 'assistant',
          content: [
            { type: 'thinking', thinking: 't', signature: 's' },
            { type: 'redacted_thinking', data: 'd' },
            { type: 'tool_use', id: 'toolu_1', name: 'f', input: {} },
          ],
        },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1' }] },
      ],
    });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.messages.slice(1)).toEqual([
      {
        role: 'assistant',
        content: null,
        tool_calls: [{ id: 'toolu_1', type: 'function', function: { name: 'f', arguments: '{}' } }],
        [NATIVE_THINKING_BLOCKS]: [
          { type: 'thinking', thinking: 't', signature: 's' },
          { type: 'redacted_thinking', data: 'd' },
        ],
      },
      { role: 'tool', tool_call_id: 'toolu_1', content: '' },
    ]);
  });
});

describe('messages-api: images in tool results (e.g. Claude Code reading a screenshot)', () => {
  const png = { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' };
  const pngUrl = 'data:image/png;base64,iVBORw0KGgo=';
  const call = (id: string) => ({ type: 'tool_use', id, name: 'Read', input: { file_path: `/tmp/${id}.png` } });
  const conversation = (...results: unknown[]) => ({
    ...base,
    messages: [
      { role: 'user', content: 'What do the screenshots show?' },
      { role: 'assistant', content: [call('toolu_1'), call('toolu_2')] },
      { role: 'user', content: results },
    ],
  });
  const withImage = {
    type: 'tool_result',
    tool_use_id: 'toolu_1',
    content: [
      { type: 'text', text: 'Read 1 image' },
      { type: 'image', source: png },
    ],
  };
  const imageOnly = { type: 'tool_result', tool_use_id: 'toolu_2', content: [{ type: 'image', source: png }] };
  const req = conversation(withImage, imageOnly, { type: 'text', text: 'Compare them.' });
  /** The user message's parts that copy both results' images for OpenAI-format upstreams. */
  const copiedImages = [
    { type: 'text', text: 'Output of tool call toolu_1:' },
    { type: 'image_url', image_url: { url: pngUrl } },
    { type: 'text', text: 'Output of tool call toolu_2:' },
    { type: 'image_url', image_url: { url: pngUrl } },
  ];

  it('keeps the image: tool messages keep the text, a user message after them holds the images', () => {
    const r = parseMessagesRequest(req);
    if (!r.ok) throw new Error(r.error.message);
    const copy = { role: 'user', content: copiedImages, [TOOL_RESULT_IMAGES_COPY]: true };
    expect(r.value.messages.slice(2)).toEqual([
      {
        role: 'tool',
        tool_call_id: 'toolu_1',
        content: 'Read 1 image',
        [NATIVE_TOOL_RESULT]: {
          type: 'tool_result',
          tool_use_id: 'toolu_1',
          content: [
            { type: 'text', text: 'Read 1 image' },
            { type: 'image', source: png },
          ],
        },
      },
      {
        role: 'tool',
        tool_call_id: 'toolu_2',
        content: '',
        [NATIVE_TOOL_RESULT]: {
          type: 'tool_result',
          tool_use_id: 'toolu_2',
          content: [{ type: 'image', source: png }],
        },
      },
      copy,
      { role: 'user', content: 'Compare them.' },
    ]);
  });

  it('gives an Anthropic upstream the images inside their tool_result, and no copy', () => {
    const messages = upstreamBody('anthropic', req)['messages'];
    expect(messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'What do the screenshots show?' }] },
      { role: 'assistant', content: [call('toolu_1'), call('toolu_2')] },
      {
        role: 'user',
        content: [
          {
            ...withImage,
            content: [
              { type: 'text', text: 'Read 1 image' },
              { type: 'image', source: png },
            ],
          },
          imageOnly,
          { type: 'text', text: 'Compare them.' },
        ],
      },
    ]);
  });

  it('keeps is_error for an Anthropic upstream, the "Error: " text for the others', () => {
    const failed = { ...imageOnly, is_error: true, content: [{ type: 'text', text: 'too big' }, imageOnly.content[0]] };
    const anthropic = upstreamBody('anthropic', conversation(failed))['messages'] as { content: unknown[] }[];
    expect(anthropic[2]!.content).toEqual([failed]);
    const openai = upstreamBody('openai', conversation(failed))['messages'] as unknown[];
    expect(openai[2]).toEqual({ role: 'tool', tool_call_id: 'toolu_2', content: 'Error: too big' });
    // A text-only failure too: Anthropic gets the flag, not an "Error: " prefix.
    for (const content of ['too big', [{ type: 'text', text: 'too big' }]]) {
      const textOnly = { type: 'tool_result', tool_use_id: 'toolu_2', is_error: true, content };
      const blocks = upstreamBody('anthropic', conversation(textOnly))['messages'] as { content: unknown[] }[];
      expect(blocks[2]!.content).toEqual([textOnly]);
      const tool = (upstreamBody('openai', conversation(textOnly))['messages'] as unknown[])[2];
      expect(tool).toEqual({ role: 'tool', tool_call_id: 'toolu_2', content: 'Error: too big' });
    }
  });

  it('gives OpenAI-format upstreams text-only tool messages, then a user message with the images', () => {
    for (const type of ['openai', 'azure-openai'] as const) {
      const messages = upstreamBody(type, req)['messages'];
      expect(messages, type).toEqual([
        { role: 'user', content: 'What do the screenshots show?' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            {
              id: 'toolu_1',
              type: 'function',
              function: { name: 'Read', arguments: '{"file_path":"/tmp/toolu_1.png"}' },
            },
            {
              id: 'toolu_2',
              type: 'function',
              function: { name: 'Read', arguments: '{"file_path":"/tmp/toolu_2.png"}' },
            },
          ],
        },
        { role: 'tool', tool_call_id: 'toolu_1', content: 'Read 1 image' },
        { role: 'tool', tool_call_id: 'toolu_2', content: '' },
        { role: 'user', content: copiedImages },
        { role: 'user', content: 'Compare them.' },
      ]);
    }
  });

  it('gives Gemini the function responses, then the images as inline data', () => {
    const contents = upstreamBody('gemini', req)['contents'] as { role: string; parts: unknown[] }[];
    expect(contents[2]).toEqual({
      role: 'user',
      parts: [
        { functionResponse: { name: 'Read', response: { content: 'Read 1 image' } } },
        { functionResponse: { name: 'Read', response: { content: '' } } },
        { text: 'Output of tool call toolu_1:' },
        { inlineData: { mimeType: 'image/png', data: 'iVBORw0KGgo=' } },
        { text: 'Output of tool call toolu_2:' },
        { inlineData: { mimeType: 'image/png', data: 'iVBORw0KGgo=' } },
        { text: 'Compare them.' },
      ],
    });
  });

  it('refuses a tool_result block that is malformed or of a type it cannot translate, naming it', () => {
    for (const [block, field] of [
      [{ type: 'image', source: { type: 'base64', media_type: 'image/png' } }, 'content.0.source.data'],
      [{ type: 'image', source: { type: 'file', file_id: 'f' } }, 'content.0.source.type'],
      [{ type: 'text', text: 3 }, 'content.0.text'],
    ] as const) {
      const r = parseMessagesRequest(conversation({ ...imageOnly, content: [block] }));
      expect(!r.ok && r.error.field, JSON.stringify(block)).toBe(`messages.2.content.0.${field}`);
    }
    // Other block types are refused by name, not left out of what the model sees.
    const doc = { type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'x' } };
    const r = parseMessagesRequest(conversation({ ...imageOnly, content: [{ type: 'text', text: 'a' }, doc] }));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.field).toBe('messages.2.content.0.content.1.type');
    expect(r.error.message).toContain('tool_result content block type "document" is not supported');
  });

  it('leaves text-only tool results as they were', () => {
    const text = { type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'text', text: 'ok' }] };
    const r = parseMessagesRequest(conversation(text));
    if (!r.ok) throw new Error(r.error.message);
    expect(r.value.messages.slice(2)).toEqual([{ role: 'tool', tool_call_id: 'toolu_1', content: 'ok' }]);
    expect(Object.getOwnPropertySymbols(r.value.messages[2])).toEqual([]);
  });
});
