import { describe, expect, it } from 'vitest';
import type { ChatChunk, ChatRequest, ProviderEndpoint } from '../ports.js';
import { fixtureJson, fixtureText } from '../common/fixture.js';
import { anthropicAdapter } from './adapter.js';
import { JSON_TOOL_NAME } from './json-mode.js';

const here = import.meta.url;
const endpoint: ProviderEndpoint = { id: 'a', type: 'anthropic', baseUrl: 'https://api.anthropic.com', apiKey: 'k' };
const schema = {
  type: 'object',
  properties: { name: { type: 'string' }, born: { type: 'integer' }, fields: { type: 'array' } },
  required: ['name', 'born', 'fields'],
  additionalProperties: false,
};
const weatherTool = {
  type: 'function',
  function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } },
};

function bodyOf(req: Record<string, unknown>) {
  const full = { model: 'x', messages: [{ role: 'user', content: 'Who was Ada?' }], ...req } as ChatRequest;
  return JSON.parse(anthropicAdapter.buildChatRequest(endpoint, 'claude-sonnet-4-5', full).body!) as Record<
    string,
    unknown
  >;
}

describe('anthropic response_format: request', () => {
  it('json_schema becomes a forced tool whose input schema is the JSON schema', () => {
    const body = bodyOf({
      response_format: { type: 'json_schema', json_schema: { name: 'person', schema, strict: true } },
    });
    expect(body['tools']).toEqual([
      { name: JSON_TOOL_NAME, description: "Give your answer as this tool's input (person).", input_schema: schema },
    ]);
    expect(body['tool_choice']).toEqual({ type: 'tool', name: JSON_TOOL_NAME });
  });

  it('json_object becomes a forced tool taking any object; text asks for nothing', () => {
    const body = bodyOf({ response_format: { type: 'json_object' } });
    expect(body['tools']).toEqual([
      {
        name: JSON_TOOL_NAME,
        description: 'Give your answer as a JSON object: the input of this tool.',
        input_schema: { type: 'object', additionalProperties: true },
      },
    ]);
    expect(body['tool_choice']).toEqual({ type: 'tool', name: JSON_TOOL_NAME });
    const plain = bodyOf({ response_format: { type: 'text' } });
    expect(plain['tools']).toBeUndefined();
    expect(plain['tool_choice']).toBeUndefined();
  });

  it("with the client's tools, requires some tool call unless the client chose otherwise", () => {
    const rf = { type: 'json_object' };
    const b = (extra: Record<string, unknown>) => bodyOf({ response_format: rf, tools: [weatherTool], ...extra });
    expect((b({})['tools'] as { name: string }[]).map((t) => t.name)).toEqual(['get_weather', JSON_TOOL_NAME]);
    expect(b({})['tool_choice']).toEqual({ type: 'any' });
    expect(b({ tool_choice: 'auto' })['tool_choice']).toEqual({ type: 'auto' });
    expect(b({ tool_choice: 'none' })['tool_choice']).toEqual({ type: 'tool', name: JSON_TOOL_NAME });
    expect(b({ parallel_tool_calls: false })['tool_choice']).toEqual({ type: 'auto', disable_parallel_tool_use: true });
  });

  it('with thinking on, the tool is offered but not forced (Anthropic forbids forced tool use then)', () => {
    const body = bodyOf({ response_format: { type: 'json_object' }, reasoning_effort: 'low' });
    expect(body['thinking']).toEqual({ type: 'enabled', budget_tokens: 1024 });
    expect(body['tool_choice']).toEqual({ type: 'auto' });
  });
});

describe('anthropic response_format: response', () => {
  it('returns the tool input as the message content, finished with stop', () => {
    const { response } = anthropicAdapter.parseChatResponse(fixtureJson(here, 'messages-response-json.json'), 'claude');
    const choice = response.choices[0] as { message: Record<string, unknown>; finish_reason: string };
    expect(choice.message).toEqual({
      role: 'assistant',
      content: '{"name":"Ada Lovelace","born":1815,"fields":["mathematics","computing"]}',
    });
    expect(choice.finish_reason).toBe('stop');
  });

  it('keeps real tool calls next to the JSON answer', () => {
    const body = fixtureJson(here, 'messages-response-json.json') as { content: unknown[] };
    const both = {
      ...body,
      content: [...body.content, { type: 'tool_use', id: 'toolu_2', name: 'get_weather', input: { city: 'Oslo' } }],
    };
    const choice = anthropicAdapter.parseChatResponse(both, 'c').response.choices[0] as {
      message: Record<string, unknown>;
      finish_reason: string;
    };
    expect(JSON.parse(choice.message['content'] as string)).toMatchObject({ name: 'Ada Lovelace' });
    expect(choice.message['tool_calls']).toHaveLength(1);
    expect(choice.finish_reason).toBe('tool_calls');
  });

  it('streams the tool input as content deltas, finished with stop', () => {
    const p = anthropicAdapter.createStreamParser('claude');
    const chunks: ChatChunk[] = [...p.push(fixtureText(here, 'messages-stream-json.sse')), ...p.end()];
    const ds = chunks.flatMap((c) =>
      (c.choices as { delta: Record<string, unknown>; finish_reason: string | null }[]).map((ch) => ch),
    );
    expect(ds.some((d) => d.delta['tool_calls'])).toBe(false);
    expect(JSON.parse(ds.map((d) => d.delta['content'] ?? '').join(''))).toEqual({
      name: 'Ada Lovelace',
      born: 1815,
      fields: ['mathematics', 'computing'],
    });
    expect(ds.filter((d) => d.finish_reason).map((d) => d.finish_reason)).toEqual(['stop']);
    expect(p.usage()).toMatchObject({ promptTokens: 512, completionTokens: 41 });
  });
});
