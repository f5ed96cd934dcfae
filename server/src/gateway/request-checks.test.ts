import { describe, expect, it } from 'vitest';
import { checkChatRequest, checkCompletionsRequest, checkEmbeddingsRequest } from './request-checks.js';

const param = (r: { ok: boolean; error?: { param: string | null; status: number } }) => (r.ok ? null : r.error!.param);

describe('checkChatRequest', () => {
  it('accepts a minimal request and keeps unknown fields', () => {
    const r = checkChatRequest({
      model: 'm',
      messages: [{ role: 'user', content: 'hi' }],
      response_format: { type: 'json_object' },
    });
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.value['response_format']).toEqual({ type: 'json_object' });
  });

  it.each([
    [null, 'body'],
    [[], 'body'],
    [{ messages: [] }, 'model'],
    [{ model: 3, messages: [] }, 'model'],
    [{ model: 'm' }, 'messages'],
    [{ model: 'm', messages: 'hi' }, 'messages'],
    [{ model: 'm', messages: [] }, 'messages'],
    [{ model: 'm', messages: ['x'] }, 'messages[0]'],
    [{ model: 'm', messages: [{ content: 'x' }] }, 'messages[0].role'],
    [{ model: 'm', messages: [{ role: 'user', content: 5 }] }, 'messages[0].content'],
    [{ model: 'm', messages: [{ role: 'user', content: 'x' }], max_tokens: 0 }, 'max_tokens'],
    [{ model: 'm', messages: [{ role: 'user', content: 'x' }], max_completion_tokens: 1.5 }, 'max_completion_tokens'],
    [{ model: 'm', messages: [{ role: 'user', content: 'x' }], stream: 'yes' }, 'stream'],
    [{ model: 'm', messages: [{ role: 'user', content: 'x' }], temperature: '1' }, 'temperature'],
    [{ model: 'm', messages: [{ role: 'user', content: 'x' }], tools: {} }, 'tools'],
    [{ model: 'm', messages: [{ role: 'user', content: 'x' }], metadata: 'x' }, 'metadata'],
    [{ model: 'm', messages: [{ role: 'user', content: 'x' }], user: 1 }, 'user'],
  ])('refuses %j naming %s', (body, field) => {
    const r = checkChatRequest(body);
    expect(r.ok).toBe(false);
    expect(param(r as never)).toBe(field);
    if (!r.ok) expect(r.error.status).toBe(400);
  });
});

describe('embeddings and completions', () => {
  it('requires input / prompt', () => {
    expect(param(checkEmbeddingsRequest({ model: 'e' }) as never)).toBe('input');
    expect(param(checkEmbeddingsRequest({ model: 'e', input: 3 }) as never)).toBe('input');
    expect(checkEmbeddingsRequest({ model: 'e', input: ['a', 'b'] }).ok).toBe(true);
    expect(param(checkCompletionsRequest({ model: 'c' }) as never)).toBe('prompt');
    expect(checkCompletionsRequest({ model: 'c', prompt: 'x', stream: true }).ok).toBe(true);
    expect(param(checkCompletionsRequest({ model: 'c', prompt: 'x', stream: 1 }) as never)).toBe('stream');
    expect(checkCompletionsRequest({ model: 'c', prompt: 'x', max_tokens: 5 }).ok).toBe(true);
  });
});
