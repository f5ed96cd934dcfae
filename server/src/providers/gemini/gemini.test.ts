import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ChatRequest } from '../ports.js';
import { fixtureJson, fixtureText, splitBytes } from '../common/fixture.js';
import { UpstreamFormatError } from '../common/upstream-error.js';
import { geminiAdapter } from './adapter.js';
import { geminiEndpoint as endpoint, streamAll } from './gemini-test-support.js';

const here = import.meta.url;
const anthropicReq = fixtureJson(new URL('../anthropic/', here).href, 'chat-request.json') as ChatRequest;

describe('gemini adapter: request', () => {
  it('targets generateContent / streamGenerateContent?alt=sse with x-goog-api-key', () => {
    const msgs = { model: 'g', messages: [{ role: 'user', content: 'hi' }] };
    const up = geminiAdapter.buildChatRequest(endpoint, 'gemini-2.5-flash', msgs);
    expect(up.url).toBe('https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:generateContent');
    expect(up.headers['x-goog-api-key']).toBe('AIza-test');
    const s = geminiAdapter.buildChatRequest(
      { ...endpoint, baseUrl: 'https://generativelanguage.googleapis.com/v1beta/' },
      'models/gemini-2.5-pro',
      { ...msgs, stream: true },
    );
    expect(s.url).toBe(
      'https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-pro:streamGenerateContent?alt=sse',
    );
    expect(JSON.parse(up.body!)).toEqual({ contents: [{ role: 'user', parts: [{ text: 'hi' }] }] });
  });

  it('maps system, images, tool calls/results, tools, tool_choice and generation config', () => {
    const body = JSON.parse(geminiAdapter.buildChatRequest(endpoint, 'gemini-2.5-flash', anthropicReq).body!);
    expect(body.systemInstruction).toEqual({ parts: [{ text: 'Be brief.\n\nUse metric units.' }] });
    expect(body.contents).toEqual([
      {
        role: 'user',
        parts: [
          { text: 'Weather here and there?' },
          { inlineData: { mimeType: 'image/png', data: 'iVBORw0KGgo=' } },
          { fileData: { mimeType: 'image/jpeg', fileUri: 'https://example.com/cat.jpg' } },
        ],
      },
      {
        role: 'model',
        parts: [
          { text: 'Checking.' },
          { functionCall: { name: 'get_weather', args: { city: 'Paris' } } },
          { functionCall: { name: 'get_weather', args: { city: 'Oslo' } } },
        ],
      },
      {
        role: 'user',
        parts: [
          { functionResponse: { name: 'get_weather', response: { content: '18C sunny' } } },
          { functionResponse: { name: 'get_weather', response: { content: '3C snow' } } },
          { text: 'Thanks' },
        ],
      },
    ]);
    expect(body.tools).toEqual([
      {
        functionDeclarations: [
          {
            name: 'get_weather',
            description: 'Weather for a city',
            parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
          },
        ],
      },
    ]);
    expect(body.toolConfig).toEqual({ functionCallingConfig: { mode: 'ANY' } });
    expect(body.generationConfig).toEqual({
      temperature: 0.2,
      topP: 0.9,
      maxOutputTokens: 300,
      stopSequences: ['END'],
    });
  });

  it('maps JSON mode and strips schema keywords Gemini rejects', () => {
    const body = JSON.parse(
      geminiAdapter.buildChatRequest(endpoint, 'g', {
        model: 'g',
        messages: [{ role: 'user', content: 'x' }],
        n: 2,
        response_format: {
          type: 'json_schema',
          json_schema: {
            name: 's',
            schema: {
              $schema: 'x',
              type: 'object',
              additionalProperties: false,
              properties: { default: { type: 'string', default: 'a' } },
            },
          },
        },
        tool_choice: { type: 'function', function: { name: 'f' } },
        tools: [
          { type: 'function', function: { name: 'f', parameters: { type: 'object', additionalProperties: false } } },
        ],
      }).body!,
    );
    expect(body.generationConfig).toEqual({
      candidateCount: 2,
      responseMimeType: 'application/json',
      responseSchema: { type: 'object', properties: { default: { type: 'string' } } },
    });
    expect(body.tools[0].functionDeclarations[0].parameters).toEqual({ type: 'object' });
    expect(body.toolConfig).toEqual({ functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['f'] } });
  });

  it('passes JSON tool results through as objects', () => {
    const body = JSON.parse(
      geminiAdapter.buildChatRequest(endpoint, 'g', {
        model: 'g',
        messages: [
          {
            role: 'assistant',
            content: null,
            tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{}' } }],
          },
          { role: 'tool', tool_call_id: 'c1', content: '{"temp":18}' },
        ],
      }).body!,
    );
    expect(body.contents[1]).toEqual({
      role: 'user',
      parts: [{ functionResponse: { name: 'f', response: { temp: 18 } } }],
    });
  });

  it('builds batchEmbedContents requests', () => {
    const up = geminiAdapter.buildEmbeddingsRequest!(endpoint, 'text-embedding-004', {
      model: 'e',
      input: ['a', 'b'],
      dimensions: 256,
    });
    expect(up.url).toBe(
      'https://generativelanguage.googleapis.com/v1beta/models/text-embedding-004:batchEmbedContents',
    );
    expect(JSON.parse(up.body!)).toEqual({
      requests: [
        { model: 'models/text-embedding-004', content: { parts: [{ text: 'a' }] }, outputDimensionality: 256 },
        { model: 'models/text-embedding-004', content: { parts: [{ text: 'b' }] }, outputDimensionality: 256 },
      ],
    });
  });
});

describe('gemini adapter: response', () => {
  it('converts text (dropping thought parts) and usage with thoughts and cache', () => {
    const { response, usage } = geminiAdapter.parseChatResponse(
      fixtureJson(here, 'generate-response.json'),
      'gem-pub',
      { created: 7 },
    );
    expect(response).toMatchObject({
      id: 'mAitaJHSGciZqtsP2PLYsQ4',
      object: 'chat.completion',
      created: 7,
      model: 'gem-pub',
    });
    expect(response.choices[0]).toEqual({
      index: 0,
      message: { role: 'assistant', content: 'The capital of France is Paris.' },
      logprobs: null,
      finish_reason: 'stop',
    });
    expect(usage).toEqual({
      promptTokens: 1200,
      completionTokens: 48,
      cachedTokens: 1024,
      cacheWriteTokens: 0,
      reasoningTokens: 40,
    });
    expect(response.usage).toEqual({
      prompt_tokens: 1200,
      completion_tokens: 48,
      total_tokens: 1248,
      prompt_tokens_details: { cached_tokens: 1024 },
      completion_tokens_details: { reasoning_tokens: 40 },
    });
  });

  it('converts function calls into tool_calls with stable ids', () => {
    const { response } = geminiAdapter.parseChatResponse(fixtureJson(here, 'generate-response-tools.json'), 'g');
    const choice = response.choices[0] as {
      message: { content: unknown; tool_calls: { id: string; function: { arguments: string } }[] };
      finish_reason: string;
    };
    expect(choice.finish_reason).toBe('tool_calls');
    expect(choice.message.content).toBeNull();
    expect(choice.message.tool_calls.map((t) => t.id)).toEqual(['call_resp-tools-1_0_0', 'call_resp-tools-1_0_1']);
    expect(JSON.parse(choice.message.tool_calls[1]!.function.arguments)).toEqual({ city: 'Oslo' });
  });

  it('maps finish reasons and a blocked prompt', () => {
    const mk = (finishReason: string) =>
      (
        geminiAdapter.parseChatResponse({ candidates: [{ content: { parts: [{ text: 'x' }] }, finishReason }] }, 'g')
          .response.choices[0] as { finish_reason: string }
      ).finish_reason;
    expect(mk('MAX_TOKENS')).toBe('length');
    expect(mk('SAFETY')).toBe('content_filter');
    expect(mk('OTHER')).toBe('stop');
    const blocked = geminiAdapter.parseChatResponse({ promptFeedback: { blockReason: 'SAFETY' } }, 'g');
    expect((blocked.response.choices[0] as { finish_reason: string }).finish_reason).toBe('content_filter');
    expect(() => geminiAdapter.parseChatResponse({ nope: 1 }, 'g')).toThrow(UpstreamFormatError);
  });

  it('parses embeddings (no usage reported) and errors', () => {
    const e = geminiAdapter.parseEmbeddingsResponse!(fixtureJson(here, 'batch-embed-response.json'), 'emb');
    expect(e.response['data']).toEqual([
      { object: 'embedding', index: 0, embedding: [0.013168523, -0.008711934, -0.046782676] },
      { object: 'embedding', index: 1, embedding: [0.1, 0.2, 0.3] },
    ]);
    expect(e.usage).toBeNull();
    expect(geminiAdapter.parseError(429, fixtureText(here, 'error-429.json'))).toEqual({
      status: 429,
      message: 'Resource has been exhausted (e.g. check quota).',
      retryable: true,
    });
    expect(
      geminiAdapter.parseError(400, '{"error":{"code":400,"message":"bad","status":"INVALID_ARGUMENT"}}').retryable,
    ).toBe(false);
    // A bad API key is Gemini's 400 with reason API_KEY_INVALID: the deployment's fault (401).
    const badKey = JSON.stringify({
      error: {
        code: 400,
        message: 'API key not valid. Please pass a valid API key.',
        status: 'INVALID_ARGUMENT',
        details: [
          { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'API_KEY_INVALID', domain: 'googleapis.com' },
        ],
      },
    });
    expect(geminiAdapter.parseError(400, badKey)).toEqual({
      status: 401,
      message: 'API key not valid. Please pass a valid API key.',
      retryable: false,
    });
  });
});

describe('gemini adapter: stream', () => {
  it('streams text and whole function calls, then the usage chunk at the end', () => {
    const { chunks, usage, completed, error } = streamAll(fixtureText(here, 'stream.sse'));
    expect(error).toBeNull();
    expect(completed).toBe(true);
    expect(chunks).toHaveLength(4);
    expect(chunks[0]!.choices[0]).toEqual({
      index: 0,
      delta: { role: 'assistant', content: 'The' },
      logprobs: null,
      finish_reason: null,
    });
    expect(chunks[1]!.choices[0]).toMatchObject({ delta: { content: ' quick brown fox' } });
    expect(chunks[2]!.choices[0]).toEqual({
      index: 0,
      delta: {
        tool_calls: [
          {
            index: 0,
            id: 'call_stream-1_0_0',
            type: 'function',
            function: { name: 'lookup', arguments: '{"q":"fox"}' },
          },
        ],
      },
      logprobs: null,
      finish_reason: 'tool_calls',
    });
    expect(chunks[3]).toMatchObject({
      choices: [],
      usage: { prompt_tokens: 9, completion_tokens: 17, total_tokens: 26 },
    });
    expect(usage).toEqual({
      promptTokens: 9,
      completionTokens: 17,
      cachedTokens: 4,
      cacheWriteTokens: 0,
      reasoningTokens: 5,
    });
    expect(chunks.every((c) => c.id === 'stream-1' && c.model === 'gem-pub' && c['created'] === 5)).toBe(true);
  });

  it('reports error objects, garbage and truncation', () => {
    const err = streamAll(
      'data: {"error":{"code":503,"message":"The model is overloaded.","status":"UNAVAILABLE"}}\n\n',
    );
    expect(err.error).toEqual({ status: 503, message: 'The model is overloaded.', retryable: true });
    expect(err.chunks).toEqual([]);
    expect(streamAll('data: <html>\n\n').error).toMatchObject({ status: 502 });
    const cut = streamAll(fixtureText(here, 'stream.sse').split('\n\n').slice(0, 2).join('\n\n'));
    expect(cut.completed).toBe(false);
  });

  it('reports no usage until every candidate finished: earlier usageMetadata is a running total', () => {
    const events = fixtureText(here, 'stream.sse').trim().split('\n\n');
    // Cut off (or left by the client) after text whose usage said promptTokenCount only / 4 of 12.
    for (const n of [1, 2]) {
      const cut = streamAll(events.slice(0, n).join('\n\n') + '\n\n');
      expect(cut.completed).toBe(false);
      expect(cut.usage).toBeNull();
      expect(cut.chunks.some((c) => c.usage)).toBe(false);
    }
    const p = geminiAdapter.createStreamParser('gem-pub');
    p.push(`${events[0]!}\n\n${events[1]!}\n\n`);
    expect(p.usage()).toBeNull();
    p.push(`${events[2]!}\n\n`);
    expect(p.usage()).toMatchObject({ promptTokens: 9, completionTokens: 17 });

    // Two candidates: one finished is not the final count either.
    const r = geminiAdapter.createStreamParser('gem-pub');
    r.push(
      'data: {"candidates":[{"content":{"parts":[{"text":"a"}]},"finishReason":"STOP","index":0},' +
        '{"content":{"parts":[{"text":"b"}]},"index":1}],"usageMetadata":{"promptTokenCount":3,"candidatesTokenCount":2}}\n\n',
    );
    expect(r.usage()).toBeNull();
    expect(r.end().some((c) => c.usage)).toBe(false);
  });

  it('is terminated once every candidate finished and the final usage came (no terminator event)', () => {
    const events = fixtureText(here, 'stream.sse').trim().split('\n\n');
    const p = geminiAdapter.createStreamParser('gem-pub', { created: 5 });
    p.push(`${events[0]!}\n\n${events[1]!}\n\n`);
    expect(p.terminated?.()).toBe(false);
    p.push(`${events[2]!}\n\n`);
    expect(p.terminated?.()).toBe(true);

    // A finishReason without usage yet: not final until the usage arrives in a later event.
    const q = geminiAdapter.createStreamParser('gem-pub');
    q.push('data: {"candidates":[{"content":{"parts":[{"text":"hi"}]},"finishReason":"STOP","index":0}]}\n\n');
    expect(q.completed?.()).toBe(true);
    expect(q.terminated?.()).toBe(false);
    q.push('data: {"usageMetadata":{"promptTokenCount":3,"candidatesTokenCount":1}}\n\n');
    expect(q.terminated?.()).toBe(true);
    expect(q.usage()).toMatchObject({ promptTokens: 3, completionTokens: 1 });

    // Two candidates: the first finishing is not the end of the stream.
    const r = geminiAdapter.createStreamParser('gem-pub');
    r.push(
      'data: {"candidates":[{"content":{"parts":[{"text":"a"}]},"finishReason":"STOP","index":0},' +
        '{"content":{"parts":[{"text":"b"}]},"index":1}],"usageMetadata":{"promptTokenCount":3}}\n\n',
    );
    expect(r.terminated?.()).toBe(false);
    r.push(
      'data: {"candidates":[{"content":{"parts":[{"text":"c"}]},"finishReason":"STOP","index":1}],' +
        '"usageMetadata":{"promptTokenCount":3,"candidatesTokenCount":3}}\n\n',
    );
    expect(r.terminated?.()).toBe(true);
  });

  it('gives the same chunks for any split of the byte stream', () => {
    const text = fixtureText(here, 'stream.sse');
    const whole = streamAll(text);
    fc.assert(
      fc.property(fc.array(fc.nat({ max: text.length }), { maxLength: 30 }), (cuts) => {
        expect(streamAll(text, splitBytes(text, cuts)).chunks).toEqual(whole.chunks);
      }),
      { numRuns: 150 },
    );
  });
});

// Gemini 3 signs function calls and wants the signature back on the functionCall part, else 400.
// OpenAI tool calls carry it as Google's OpenAI-compatible endpoint does (extra_content.google).
