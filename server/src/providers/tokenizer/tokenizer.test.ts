import { describe, expect, it } from 'vitest';
import type { ChatRequest } from '../ports.js';
import {
  CompletionTally,
  countTextTokens,
  encodingForModel,
  estimateCompletionTokens,
  estimateInputTokens,
  estimateInputTokensFast,
  estimatePromptTokens,
  estimatePromptTokensFast,
  estimateResponseCompletionTokens,
} from './index.js';

const req: ChatRequest = {
  model: 'gpt-4o-mini',
  messages: [
    { role: 'system', content: 'You are a helpful assistant.' },
    { role: 'user', content: 'Hello world' },
  ],
};

describe('tokenizer', () => {
  it('picks the encoding by model family', () => {
    expect(encodingForModel('gpt-4o-mini')).toBe('o200k_base');
    expect(encodingForModel('gpt-4.1')).toBe('o200k_base');
    expect(encodingForModel('openai/gpt-4-turbo')).toBe('cl100k_base');
    expect(encodingForModel('gpt-3.5-turbo')).toBe('cl100k_base');
    expect(encodingForModel('text-embedding-3-small')).toBe('cl100k_base');
    expect(encodingForModel('claude-sonnet-4-5')).toBe('o200k_base');
    expect(encodingForModel(undefined)).toBe('o200k_base');
  });

  it('counts text tokens exactly with BPE (known values)', () => {
    expect(countTextTokens('', 'gpt-4o')).toBe(0);
    expect(countTextTokens('hello world', 'gpt-4o')).toBe(2);
    expect(countTextTokens('hello world', 'gpt-4')).toBe(2);
    // special-token text is counted as plain text, never rejected
    expect(countTextTokens('<|endoftext|>', 'gpt-4o')).toBeGreaterThan(1);
  });

  it('estimates prompt tokens with OpenAI message framing', () => {
    // 3 priming + per message 3 + role + content: system(1) + "You are a helpful assistant."(6) ; user(1) + "Hello world"(2)
    expect(estimatePromptTokens(req)).toBe(3 + (3 + 1 + 6) + (3 + 1 + 2));
  });

  it('counts tools, tool calls, names and images', () => {
    const base = estimatePromptTokens(req);
    const withTools = estimatePromptTokens({
      ...req,
      tools: [
        { type: 'function', function: { name: 'get_weather', description: 'Weather', parameters: { type: 'object' } } },
      ],
    });
    expect(withTools).toBeGreaterThan(base + 12);
    const withImage = estimatePromptTokens({
      ...req,
      messages: [
        ...req.messages,
        { role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://x/y.png', detail: 'low' } }] },
      ],
    });
    expect(withImage).toBe(base + 3 + 1 + 85);
    const withCall = estimatePromptTokens({
      ...req,
      messages: [
        ...req.messages,
        {
          role: 'assistant',
          content: null,
          tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{}' } }],
        },
      ],
    });
    expect(withCall).toBeGreaterThan(base + 3);
  });

  it('the fast estimate needs no encoder and is an upper bound for ordinary text', () => {
    const english = {
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'The quick brown fox jumps over the lazy dog. '.repeat(50) }],
    };
    expect(estimatePromptTokensFast(english)).toBeGreaterThanOrEqual(estimatePromptTokens(english));
    const cjk = { model: 'gpt-4o', messages: [{ role: 'user', content: '東京は日本の首都です。'.repeat(30) }] };
    expect(estimatePromptTokensFast(cjk)).toBeGreaterThanOrEqual(estimatePromptTokens(cjk));
    expect(estimatePromptTokensFast({ model: 'x', messages: [] })).toBe(3);
  });

  it('estimates embeddings inputs', () => {
    expect(estimateInputTokens('hello world', 'text-embedding-3-small')).toBe(2);
    expect(estimateInputTokens(['hello world', 'hello'], 'text-embedding-3-small')).toBe(3);
    expect(estimateInputTokens([[1, 2, 3], [4]])).toBe(4);
    expect(estimateInputTokensFast('abcdef')).toBe(2);
  });

  it('tallies streamed content and tool calls', () => {
    const t = new CompletionTally();
    t.add({
      id: 'x',
      object: 'chat.completion.chunk',
      choices: [{ index: 0, delta: { role: 'assistant', content: 'hello' } }],
    });
    t.add({ id: 'x', object: 'chat.completion.chunk', choices: [{ index: 0, delta: { content: ' world' } }] });
    expect(t.text()).toBe('hello world');
    expect(t.tokens('gpt-4o')).toBe(2);
    t.add({
      id: 'x',
      object: 'chat.completion.chunk',
      choices: [{ index: 0, delta: { tool_calls: [{ index: 0, id: 'c', function: { name: 'f', arguments: '' } }] } }],
    });
    expect(t.tokens('gpt-4o')).toBeGreaterThan(3);
    expect(estimateCompletionTokens('hello world', 'gpt-4o')).toBe(2);
    expect(
      estimateResponseCompletionTokens(
        {
          id: 'r',
          object: 'chat.completion',
          choices: [{ index: 0, message: { role: 'assistant', content: 'hello world' } }],
        },
        'gpt-4o',
      ),
    ).toBe(2);
  });
});
