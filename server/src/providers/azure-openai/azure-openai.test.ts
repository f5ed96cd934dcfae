import { describe, expect, it } from 'vitest';
import type { ProviderEndpoint } from '../ports.js';
import { azureOpenAIAdapter, AZURE_DEFAULT_API_VERSION } from './adapter.js';

const endpoint: ProviderEndpoint = {
  id: 'azure',
  type: 'azure-openai',
  baseUrl: 'https://my-res.openai.azure.com/',
  apiKey: 'az-key',
  apiVersion: '2024-06-01',
};

describe('azure-openai adapter', () => {
  it('targets the deployment URL with api-version and the api-key header', () => {
    const up = azureOpenAIAdapter.buildChatRequest(endpoint, 'gpt4o-prod', {
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
    });
    expect(up.url).toBe(
      'https://my-res.openai.azure.com/openai/deployments/gpt4o-prod/chat/completions?api-version=2024-06-01',
    );
    expect(up.headers['api-key']).toBe('az-key');
    expect(up.headers['authorization']).toBeUndefined();
    const body = JSON.parse(up.body!);
    expect(body.stream_options).toEqual({ include_usage: true });
    expect(body.messages).toEqual([{ role: 'user', content: 'hi' }]);
  });

  it('accepts a base URL ending in /openai and defaults the api-version', () => {
    const up = azureOpenAIAdapter.buildEmbeddingsRequest!(
      { ...endpoint, baseUrl: 'https://r.openai.azure.com/openai', apiVersion: null },
      'emb dep',
      { model: 'e', input: 'x' },
    );
    expect(up.url).toBe(
      `https://r.openai.azure.com/openai/deployments/emb%20dep/embeddings?api-version=${AZURE_DEFAULT_API_VERSION}`,
    );
  });

  it('parses OpenAI-shaped responses and streams', () => {
    const { response, usage } = azureOpenAIAdapter.parseChatResponse(
      {
        id: 'c1',
        object: 'chat.completion',
        created: 1,
        model: 'gpt-4o',
        choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 },
      },
      'pub',
    );
    expect(response.model).toBe('pub');
    expect(usage?.promptTokens).toBe(3);
    const p = azureOpenAIAdapter.createStreamParser('pub');
    // Azure sends a first chunk with empty choices carrying prompt_filter_results
    const chunks = p.push(
      'data: {"choices":[],"created":0,"id":"","model":"","object":"","prompt_filter_results":[]}\n\ndata: {"id":"c","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"x"}}]}\n\ndata: [DONE]\n\n',
    );
    expect(chunks).toHaveLength(2);
    expect(p.completed?.()).toBe(true);
  });
});
