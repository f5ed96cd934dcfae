import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ChatRequest, ProviderEndpoint } from '../ports.js';
import { fixtureJson, fixtureText, splitBytes } from '../common/fixture.js';
import { UpstreamFormatError } from '../common/upstream-error.js';
import { openAIAdapter } from './adapter.js';

const here = import.meta.url;
const endpoint: ProviderEndpoint = {
  id: 'openai-main',
  type: 'openai',
  baseUrl: 'https://api.openai.com/v1/',
  apiKey: 'sk-test',
  headers: { 'HTTP-Referer': 'https://tollgate.test' },
};

function streamAll(text: string, pieces: (string | Uint8Array)[] = [text]) {
  const p = openAIAdapter.createStreamParser('public-model');
  const chunks = [];
  for (const piece of pieces) chunks.push(...p.push(piece));
  chunks.push(...p.end());
  return { chunks, usage: p.usage(), error: p.error(), completed: p.completed?.() };
}

describe('openai adapter: requests', () => {
  it('builds a chat request: URL, bearer auth, upstream model, Tollgate-only fields removed', () => {
    const req = fixtureJson(here, 'chat-request.json') as ChatRequest;
    const up = openAIAdapter.buildChatRequest(endpoint, 'gpt-4o-mini-2024-07-18', req);
    expect(up.url).toBe('https://api.openai.com/v1/chat/completions');
    expect(up.method).toBe('POST');
    expect(up.headers['authorization']).toBe('Bearer sk-test');
    expect(up.headers['HTTP-Referer']).toBe('https://tollgate.test');
    const body = JSON.parse(up.body!);
    expect(body.model).toBe('gpt-4o-mini-2024-07-18');
    expect(body.provider).toBeUndefined();
    expect(body.metadata).toBeUndefined(); // only with store: true
    expect(body.tools).toEqual(req['tools']);
    expect(body.user).toBe('user-42');
    expect(body.stream_options).toBeUndefined();
  });

  it('keeps metadata when the completion is stored', () => {
    const up = openAIAdapter.buildChatRequest(endpoint, 'm', {
      model: 'x',
      messages: [],
      store: true,
      metadata: { a: '1' },
    });
    expect(JSON.parse(up.body!).metadata).toEqual({ a: '1' });
  });

  it('always asks for usage in streams, keeping other stream options', () => {
    const up = openAIAdapter.buildChatRequest(endpoint, 'm', {
      model: 'x',
      messages: [],
      stream: true,
      stream_options: { include_usage: false, include_obfuscation: false } as never,
    });
    expect(JSON.parse(up.body!).stream_options).toEqual({ include_usage: true, include_obfuscation: false });
    const up2 = openAIAdapter.buildChatRequest(endpoint, 'm', { model: 'x', messages: [], stream: true });
    expect(JSON.parse(up2.body!).stream_options).toEqual({ include_usage: true });
  });

  it('omits Authorization for keyless local servers (Ollama, vLLM)', () => {
    const up = openAIAdapter.buildChatRequest(
      { ...endpoint, apiKey: null, baseUrl: 'http://localhost:11434/v1' },
      'llama3',
      { model: 'x', messages: [] },
    );
    expect(up.url).toBe('http://localhost:11434/v1/chat/completions');
    expect(up.headers['authorization']).toBeUndefined();
  });

  it('builds embeddings and legacy completions requests', () => {
    const e = openAIAdapter.buildEmbeddingsRequest!(endpoint, 'text-embedding-3-small', {
      model: 'emb',
      input: ['a', 'b'],
    });
    expect(e.url).toBe('https://api.openai.com/v1/embeddings');
    expect(JSON.parse(e.body!)).toEqual({ model: 'text-embedding-3-small', input: ['a', 'b'] });
    const c = openAIAdapter.buildCompletionsRequest!(endpoint, 'gpt-3.5-turbo-instruct', {
      model: 'x',
      prompt: 'Say',
      stream: true,
    });
    expect(c.url).toBe('https://api.openai.com/v1/completions');
    expect(JSON.parse(c.body!).stream_options).toEqual({ include_usage: true });
  });
});

describe('openai adapter: responses', () => {
  it('parses a chat completion with cached and reasoning usage, hiding the upstream model', () => {
    const { response, usage } = openAIAdapter.parseChatResponse(fixtureJson(here, 'chat-response.json'), 'gpt-4o');
    expect(response.model).toBe('gpt-4o');
    expect(response.id).toBe('chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG');
    expect(response['created']).toBe(1741570283);
    expect(usage).toEqual({
      promptTokens: 1117,
      completionTokens: 46,
      cachedTokens: 1024,
      cacheWriteTokens: 0,
      reasoningTokens: 12,
    });
  });

  it('parses tool calls unchanged', () => {
    const { response, usage } = openAIAdapter.parseChatResponse(fixtureJson(here, 'chat-response-tools.json'), 'pub');
    expect((response.choices[0] as { message: { tool_calls: unknown[] } }).message.tool_calls).toHaveLength(1);
    expect(usage?.promptTokens).toBe(82);
  });

  it('returns null usage when the server sent none, and takes `created` from the context then', () => {
    const { response, usage } = openAIAdapter.parseChatResponse({ id: 'x', choices: [] }, 'pub', {
      created: 1700000001,
    });
    expect(usage).toBeNull();
    expect(response.usage).toBeUndefined();
    expect(response['created']).toBe(1700000001);
  });

  it('throws UpstreamFormatError for bodies that are not chat completions', () => {
    for (const bad of [null, 'text', [], { choices: 'x' }, { error: { message: 'x' } }]) {
      expect(() => openAIAdapter.parseChatResponse(bad, 'pub')).toThrow(UpstreamFormatError);
    }
  });

  it('parses embeddings and legacy completions with usage', () => {
    const e = openAIAdapter.parseEmbeddingsResponse!(fixtureJson(here, 'embeddings-response.json'), 'emb');
    expect(e.response['model']).toBe('emb');
    expect(e.usage).toEqual({
      promptTokens: 8,
      completionTokens: 0,
      cachedTokens: 0,
      cacheWriteTokens: 0,
      reasoningTokens: 0,
    });
    const c = openAIAdapter.parseCompletionsResponse!(fixtureJson(here, 'completions-response.json'), 'instruct');
    expect(c.usage?.completionTokens).toBe(7);
    expect(() => openAIAdapter.parseEmbeddingsResponse!({}, 'emb')).toThrow(UpstreamFormatError);
  });

  it('parses errors: message and retryability', () => {
    const e429 = openAIAdapter.parseError(429, fixtureText(here, 'error-429.json'));
    expect(e429).toMatchObject({ status: 429, retryable: true });
    expect(e429.message).toMatch(/^Rate limit reached/);
    expect(openAIAdapter.parseError(401, fixtureText(here, 'error-401.json'))).toMatchObject({
      status: 401,
      retryable: false,
    });
    for (const s of [408, 409, 500, 502, 503, 504]) expect(openAIAdapter.parseError(s, '').retryable).toBe(true);
    for (const s of [400, 403, 404, 422]) expect(openAIAdapter.parseError(s, 'x').retryable).toBe(false);
    expect(openAIAdapter.parseError(502, '<html>Bad gateway</html>').message).toBe('<html>Bad gateway</html>');
    expect(openAIAdapter.parseError(500, 'x'.repeat(2000)).message.length).toBeLessThan(600);
  });
});

describe('openai adapter: stream parser', () => {
  it('parses a stream: chunks, final usage chunk, [DONE], comments', () => {
    const { chunks, usage, error, completed } = streamAll(fixtureText(here, 'chat-stream.sse'));
    expect(error).toBeNull();
    expect(completed).toBe(true);
    expect(chunks).toHaveLength(5);
    expect(chunks.every((c) => c.model === 'public-model' && c.object === 'chat.completion.chunk')).toBe(true);
    const text = chunks
      .map((c) => (c.choices[0] as { delta?: { content?: string } } | undefined)?.delta?.content ?? '')
      .join('');
    expect(text).toBe('Hello wörld 🌍');
    expect(chunks[4]!.choices).toEqual([]);
    expect(usage).toEqual({
      promptTokens: 19,
      completionTokens: 4,
      cachedTokens: 0,
      cacheWriteTokens: 0,
      reasoningTokens: 0,
    });
  });

  it('streams tool call deltas with cached usage', () => {
    const { chunks, usage } = streamAll(fixtureText(here, 'chat-stream-tools.sse'));
    const args = chunks
      .flatMap(
        (c) =>
          (c.choices[0] as { delta?: { tool_calls?: { function: { arguments: string } }[] } } | undefined)?.delta
            ?.tool_calls ?? [],
      )
      .map((t) => t.function.arguments)
      .join('');
    expect(JSON.parse(args)).toEqual({ city: 'Paris' });
    expect(usage?.cachedTokens).toBe(64);
  });

  it('stops at an error object mid-stream and reports it', () => {
    const { chunks, error, completed } = streamAll(fixtureText(here, 'chat-stream-error.sse'));
    expect(chunks).toHaveLength(1);
    expect(error).toMatchObject({ status: 502, retryable: true });
    expect(error!.message).toMatch(/server had an error/);
    expect(completed).toBe(false);
  });

  it('reports garbage as an error and a truncated stream as not completed', () => {
    const bad = streamAll('data: {"id":"x","choices":[]}\n\ndata: {not json\n\n');
    expect(bad.chunks).toHaveLength(1);
    expect(bad.error).toMatchObject({ status: 502 });
    const cut = streamAll(
      fixtureText(here, 'chat-stream.sse').split(
        'data: {"id":"chatcmpl-123","object":"chat.completion.chunk","created":1694268190,"model":"gpt-4o-mini","system_fingerprint":"fp_44709d6fcb","choices":[{"index":0,"delta":{},',
      )[0]!,
    );
    expect(cut.completed).toBe(false);
    expect(cut.error).toBeNull();
    expect(cut.usage).toBeNull();
  });

  it('counts a stream without [DONE] as completed once a choice finished', () => {
    const text = fixtureText(here, 'chat-stream.sse').replace('data: [DONE]', '');
    const r = streamAll(text);
    expect(r.completed).toBe(true);
    expect(r.usage?.promptTokens).toBe(19);
  });

  it('handles CRLF framing', () => {
    const crlf = fixtureText(here, 'chat-stream.sse').replace(/\n/g, '\r\n');
    expect(streamAll(crlf).chunks).toEqual(streamAll(fixtureText(here, 'chat-stream.sse')).chunks);
  });

  it('gives the same chunks, usage and error for any split of the byte stream', () => {
    for (const name of ['chat-stream.sse', 'chat-stream-tools.sse', 'chat-stream-error.sse']) {
      const text = fixtureText(here, name).replace(/\n/g, name === 'chat-stream-tools.sse' ? '\r\n' : '\n');
      const whole = streamAll(text);
      fc.assert(
        fc.property(fc.array(fc.nat({ max: text.length + 10 }), { maxLength: 40 }), (cuts) => {
          const split = streamAll(text, splitBytes(text, cuts));
          expect(split.chunks).toEqual(whole.chunks);
          expect(split.usage).toEqual(whole.usage);
          expect(split.error).toEqual(whole.error);
        }),
        { numRuns: 150 },
      );
    }
  });

  it('parses legacy completions streams', () => {
    const p = openAIAdapter.createCompletionsStreamParser!('instruct');
    const chunks = [...p.push(fixtureText(here, 'completions-stream.sse')), ...p.end()];
    expect(chunks).toHaveLength(3);
    expect(chunks[0]).toMatchObject({ object: 'text_completion', model: 'instruct' });
    expect(p.usage()?.completionTokens).toBe(4);
    expect(p.completed?.()).toBe(true);
  });
});
