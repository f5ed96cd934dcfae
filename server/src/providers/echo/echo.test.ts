import { describe, expect, it } from 'vitest';
import type { ChatChunk, ProviderEndpoint } from '../ports.js';
import { countTextTokens, estimatePromptTokens } from '../tokenizer/index.js';
import { echoAdapter } from './adapter.js';

const endpoint: ProviderEndpoint = { id: 'demo', type: 'echo', baseUrl: '', apiKey: null };
const messages = [
  { role: 'system', content: 'sys' },
  { role: 'user', content: 'first' },
  { role: 'assistant', content: 'ok' },
  { role: 'user', content: [{ type: 'text', text: 'Tell me about Tollgate, please.' }] },
];

describe('echo adapter (demo)', () => {
  it('builds a pseudo request and answers with the last user message, usage from the tokenizer', () => {
    const up = echoAdapter.buildChatRequest(endpoint, 'echo-1', { model: 'demo', messages });
    expect(up.url).toBe('echo://demo/chat/completions');
    const sim = echoAdapter.simulate!(up);
    expect(sim.status).toBe(200);
    const { response, usage } = echoAdapter.parseChatResponse(JSON.parse(sim.body), 'demo', { created: 42 });
    expect(response.choices[0]).toMatchObject({
      message: { role: 'assistant', content: 'Tell me about Tollgate, please.' },
      finish_reason: 'stop',
    });
    expect(response['created']).toBe(42);
    expect(usage).toEqual({
      promptTokens: estimatePromptTokens({ model: 'echo-1', messages }),
      completionTokens: countTextTokens('Tell me about Tollgate, please.', 'echo-1'),
      cachedTokens: 0,
      cacheWriteTokens: 0,
      reasoningTokens: 0,
    });
    // deterministic
    expect(echoAdapter.simulate!(up).body).toBe(sim.body);
  });

  it('streams word pieces with a usage chunk and [DONE]', () => {
    const up = echoAdapter.buildChatRequest(endpoint, 'echo-1', { model: 'demo', messages, stream: true });
    const sim = echoAdapter.simulate!(up);
    expect(sim.headers['content-type']).toBe('text/event-stream');
    const p = echoAdapter.createStreamParser('demo');
    const chunks: ChatChunk[] = [...p.push(sim.body), ...p.end()];
    expect(p.completed?.()).toBe(true);
    const text = chunks
      .map((c) => (c.choices[0] as { delta?: { content?: string } } | undefined)?.delta?.content ?? '')
      .join('');
    expect(text).toBe('Tell me about Tollgate, please.');
    expect(chunks.length).toBeGreaterThan(5);
    expect(p.usage()?.completionTokens).toBe(countTextTokens(text, 'echo-1'));
  });

  it('never produces more than max_tokens', () => {
    const up = echoAdapter.buildChatRequest(endpoint, 'echo-1', { model: 'demo', messages, max_tokens: 3 });
    const { response, usage } = echoAdapter.parseChatResponse(JSON.parse(echoAdapter.simulate!(up).body), 'demo');
    expect(usage!.completionTokens).toBe(3);
    expect((response.choices[0] as { finish_reason: string }).finish_reason).toBe('length');
  });

  it('answers embeddings deterministically and refuses garbage', () => {
    const up = echoAdapter.buildEmbeddingsRequest!(endpoint, 'echo-emb', { model: 'e', input: ['a', 'b'] });
    const { response, usage } = echoAdapter.parseEmbeddingsResponse!(JSON.parse(echoAdapter.simulate!(up).body), 'e');
    expect((response['data'] as { embedding: number[] }[]).map((d) => d.embedding.length)).toEqual([8, 8]);
    expect(usage!.promptTokens).toBe(2);
    expect(echoAdapter.simulate!({ ...up, body: 'nope' }).status).toBe(400);
    expect(echoAdapter.simulate!({ ...up, url: 'echo://demo/other' }).status).toBe(404);
  });
});
