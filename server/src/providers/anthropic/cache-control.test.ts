import { describe, expect, it } from 'vitest';
import type { ChatRequest } from '../ports.js';
import { parseMessagesRequest } from '../messages-api/index.js';
import { toAnthropicBody } from './build-request.js';

const EPHEMERAL = { type: 'ephemeral' };
const HOUR = { type: 'ephemeral', ttl: '1h' };

/** An Anthropic client's request (Claude Code's shape) with a breakpoint on every kind of block. */
const claudeCodeRequest = {
  model: 'sonnet',
  max_tokens: 100,
  system: [
    { type: 'text', text: 'You are Claude Code.' },
    { type: 'text', text: 'Project instructions.', cache_control: HOUR },
  ],
  tools: [
    { name: 'read', input_schema: { type: 'object' } },
    { name: 'write', input_schema: { type: 'object' }, cache_control: EPHEMERAL },
  ],
  messages: [
    {
      role: 'user',
      content: [
        { type: 'text', text: 'Look at this.' },
        { type: 'image', source: { type: 'url', url: 'https://x.test/a.png' }, cache_control: EPHEMERAL },
      ],
    },
    {
      role: 'assistant',
      content: [
        { type: 'text', text: 'Reading.', cache_control: EPHEMERAL },
        { type: 'tool_use', id: 'tu_1', name: 'read', input: { path: 'a' }, cache_control: EPHEMERAL },
        { type: 'tool_use', id: 'tu_2', name: 'read', input: { path: 'b' } },
      ],
    },
    {
      role: 'user',
      content: [
        { type: 'tool_result', tool_use_id: 'tu_1', content: 'file a', cache_control: EPHEMERAL },
        {
          type: 'tool_result',
          tool_use_id: 'tu_2',
          content: [
            { type: 'text', text: 'file b' },
            { type: 'image', source: { type: 'url', url: 'https://x.test/b.png' } },
          ],
          cache_control: EPHEMERAL,
        },
        { type: 'text', text: 'Now fix it.', cache_control: EPHEMERAL },
      ],
    },
  ],
};

function canonical(body: unknown): ChatRequest {
  const r = parseMessagesRequest(body);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

type Block = Record<string, unknown>;

describe('prompt caching breakpoints (cache_control)', () => {
  it('/v1/messages → Anthropic upstream: every breakpoint where the client put it', () => {
    const body = toAnthropicBody('claude-sonnet-4-5', canonical(claudeCodeRequest)) as {
      system: Block[];
      tools: Block[];
      messages: { role: string; content: Block[] }[];
    };
    expect(body.system).toEqual([
      { type: 'text', text: 'You are Claude Code.' },
      { type: 'text', text: 'Project instructions.', cache_control: HOUR },
    ]);
    expect(body.tools.map((t) => t['cache_control'])).toEqual([undefined, EPHEMERAL]);
    const [first, assistant, results] = body.messages;
    expect(first!.content.map((b) => [b['type'], b['cache_control']])).toEqual([
      ['text', undefined],
      ['image', EPHEMERAL],
    ]);
    expect(assistant!.content.map((b) => [b['type'], b['cache_control']])).toEqual([
      ['text', EPHEMERAL],
      ['tool_use', EPHEMERAL],
      ['tool_use', undefined],
    ]);
    expect(results!.content.map((b) => [b['type'], b['cache_control']])).toEqual([
      ['tool_result', EPHEMERAL],
      ['tool_result', EPHEMERAL],
      ['text', EPHEMERAL],
    ]);
    // The tool_result with an image keeps its blocks (tool-result-images.ts) as well as its breakpoint.
    expect((results!.content[1]!['content'] as Block[]).map((b) => b['type'])).toEqual(['text', 'image']);
  });

  it('never reaches an OpenAI-format upstream: the canonical request serialises without it', () => {
    const req = canonical(claudeCodeRequest);
    expect(JSON.stringify(req)).not.toContain('cache_control');
    // System and assistant text stay plain strings for OpenAI-compatible servers.
    expect(req.messages[0]).toMatchObject({ role: 'system', content: 'You are Claude Code.\nProject instructions.' });
    expect(req.messages[2]).toMatchObject({ role: 'assistant', content: 'Reading.' });
  });

  it('an OpenAI-format client (LiteLLM / OpenRouter convention) gets its breakpoints to Anthropic', () => {
    const req: ChatRequest = {
      model: 'sonnet',
      max_tokens: 10,
      messages: [
        { role: 'system', content: [{ type: 'text', text: 'Long instructions.', cache_control: EPHEMERAL }] },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Big document.', cache_control: EPHEMERAL },
            { type: 'text', text: 'Question?' },
          ],
        },
      ],
      tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object' } }, cache_control: EPHEMERAL }],
    };
    const body = toAnthropicBody('claude-sonnet-4-5', req) as {
      system: unknown;
      tools: Block[];
      messages: { content: Block[] }[];
    };
    expect(body.system).toEqual([{ type: 'text', text: 'Long instructions.', cache_control: EPHEMERAL }]);
    expect(body.messages[0]!.content).toEqual([
      { type: 'text', text: 'Big document.', cache_control: EPHEMERAL },
      { type: 'text', text: 'Question?' },
    ]);
    expect(body.tools[0]!['cache_control']).toEqual(EPHEMERAL);
  });

  it('without breakpoints the Anthropic body is as before: the system prompt one string', () => {
    const plain = {
      ...claudeCodeRequest,
      system: [
        { type: 'text', text: 'A.' },
        { type: 'text', text: 'B.' },
      ],
      tools: [{ name: 'read', input_schema: { type: 'object' } }],
      messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }],
    };
    const body = toAnthropicBody('claude-sonnet-4-5', canonical(plain));
    expect(body['system']).toBe('A.\nB.');
    expect(JSON.stringify(body)).not.toContain('cache_control');
  });
});
