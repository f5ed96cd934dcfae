import { describe, expect, it } from 'vitest';
import { anthropicToChat } from './anthropic-inbound.js';

describe('anthropicToChat', () => {
  it('maps system, text, images, tools, tool_use and tool_result', () => {
    const r = anthropicToChat({
      model: 'claude',
      max_tokens: 100,
      system: [{ type: 'text', text: 'be brief' }],
      stop_sequences: ['END'],
      temperature: 0.2,
      metadata: { user_id: 'u-1' },
      tools: [
        {
          name: 'get_weather',
          description: 'weather',
          input_schema: { type: 'object', properties: { city: { type: 'string' } } },
        },
      ],
      tool_choice: { type: 'any' },
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'look' },
            { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'AAA' } },
          ],
        },
        {
          role: 'assistant',
          content: [
            { type: 'text', text: 'calling' },
            { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Paris' } },
          ],
        },
        {
          role: 'user',
          content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'text', text: 'sunny' }] }],
        },
      ],
    });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const c = r.value;
    expect(c.max_tokens).toBe(100);
    expect(c['stop']).toEqual(['END']);
    expect(c['user']).toBe('u-1');
    expect(c['tool_choice']).toBe('required');
    expect(c['tools']).toEqual([
      {
        type: 'function',
        function: {
          name: 'get_weather',
          description: 'weather',
          parameters: { type: 'object', properties: { city: { type: 'string' } } },
        },
      },
    ]);
    expect(c.messages).toEqual([
      { role: 'system', content: 'be brief' },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'look' },
          { type: 'image_url', image_url: { url: 'data:image/png;base64,AAA' } },
        ],
      },
      {
        role: 'assistant',
        content: 'calling',
        tool_calls: [
          { id: 'toolu_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'toolu_1', content: 'sunny' },
    ]);
  });

  it.each([
    [{ max_tokens: 5, messages: [] }, 'model'],
    [{ model: 'c', messages: [{ role: 'user', content: 'x' }] }, 'max_tokens'],
    [{ model: 'c', max_tokens: 0, messages: [] }, 'max_tokens'],
    [{ model: 'c', max_tokens: 5 }, 'messages'],
    [{ model: 'c', max_tokens: 5, messages: {} }, 'messages'],
    [{ model: 'c', max_tokens: 5, messages: [{ role: 'system', content: 'x' }] }, 'messages[0].role'],
    [{ model: 'c', max_tokens: 5, messages: [{ role: 'user', content: [{ text: 'x' }] }] }, 'messages[0].content[0]'],
  ])('refuses %j naming %s', (body, field) => {
    const r = anthropicToChat(body);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.param).toBe(field);
  });
});
