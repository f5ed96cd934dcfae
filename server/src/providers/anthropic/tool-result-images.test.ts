import { describe, expect, it } from 'vitest';
import { setNative } from '../common/json.js';
import { toAnthropicMessages } from './build-request.js';
import { NATIVE_TOOL_RESULT, TOOL_RESULT_IMAGES_COPY } from './tool-result-images.js';

const png = { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' };
const image = { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } };
const call = { id: 'toolu_1', type: 'function', function: { name: 'Read', arguments: '{}' } };

describe('anthropic: tool_result images (from /v1/messages)', () => {
  it('puts them back inside the tool_result and leaves out the copy made for other upstreams', () => {
    const tool = { role: 'tool', tool_call_id: 'toolu_1', content: 'Read 1 image' };
    const native = {
      type: 'tool_result',
      tool_use_id: 'toolu_1',
      content: [
        { type: 'text', text: 'Read 1 image' },
        { type: 'image', source: png },
      ],
    };
    setNative(tool, NATIVE_TOOL_RESULT, native);
    const copy = { role: 'user', content: [{ type: 'text', text: 'Output of tool call toolu_1:' }, image] };
    setNative(copy, TOOL_RESULT_IMAGES_COPY, true);
    const { turns } = toAnthropicMessages([
      { role: 'user', content: 'Look' },
      { role: 'assistant', content: null, tool_calls: [call] },
      tool,
      copy,
      { role: 'user', content: 'Describe it.' },
    ]);
    expect(turns[2]).toEqual({ role: 'user', content: [native, { type: 'text', text: 'Describe it.' }] });
  });

  it('keeps an unmarked user message with images (an OpenAI client sending them itself)', () => {
    const { turns } = toAnthropicMessages([
      { role: 'assistant', content: null, tool_calls: [call] },
      { role: 'tool', tool_call_id: 'toolu_1', content: 'see next message' },
      { role: 'user', content: [image] },
    ]);
    expect(turns[1]).toEqual({
      role: 'user',
      content: [
        { type: 'tool_result', tool_use_id: 'toolu_1', content: 'see next message' },
        { type: 'image', source: png },
      ],
    });
  });
});
