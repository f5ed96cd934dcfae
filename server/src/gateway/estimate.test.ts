import { describe, expect, it } from 'vitest';
import { requestedOutputTokens, thinkingAllowance } from './estimate.js';
import { hasOutput } from './stream-transcoder.js';
import type { ChatChunk } from './deps.js';

describe('output allowance for the reservation', () => {
  it('takes the cap from max_completion_tokens, else max_tokens', () => {
    expect(requestedOutputTokens({ max_completion_tokens: 50, max_tokens: 10 })).toBe(50);
    expect(requestedOutputTokens({ max_tokens: 10 })).toBe(10);
    expect(requestedOutputTokens({})).toBeNull();
  });

  it('adds the thinking budget a request asks for (thinking object, else reasoning_effort)', () => {
    expect(thinkingAllowance({ thinking: { type: 'enabled', budget_tokens: 8000 } })).toBe(8000);
    expect(thinkingAllowance({ thinking: { type: 'disabled' }, reasoning_effort: 'high' })).toBe(4096);
    expect(thinkingAllowance({ reasoning_effort: 'medium' })).toBe(2048);
    expect(thinkingAllowance({ reasoning_effort: 'bogus' })).toBe(0);
    expect(thinkingAllowance({})).toBe(0);
  });
});

describe('hasOutput (retries stop once output reached the client)', () => {
  const chunk = (delta: Record<string, unknown>): ChatChunk =>
    ({ id: 'c', object: 'chat.completion.chunk', created: 0, model: 'm', choices: [{ index: 0, delta }] }) as ChatChunk;

  it('counts content, reasoning and thinking blocks (a signature alone is output too)', () => {
    expect(hasOutput(chunk({ role: 'assistant' }))).toBe(false);
    expect(hasOutput(chunk({ content: 'hi' }))).toBe(true);
    expect(hasOutput(chunk({ reasoning_content: 'hmm' }))).toBe(true);
    expect(hasOutput(chunk({ thinking_blocks: [{ type: 'thinking', signature: 'sig' }] }))).toBe(true);
  });
});
