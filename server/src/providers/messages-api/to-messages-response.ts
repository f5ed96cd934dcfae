// Canonical chat.completion → Anthropic Message (the non-stream /v1/messages answer).
import type { ChatResponse, Usage } from '../ports.js';
import { arr, isObject, nativeOf, safeParse, str, type Json } from '../common/json.js';
import { usageFromOpenAI } from '../common/usage.js';
import { MATCHED_STOP_SEQUENCE, stopReasonFromOpenAI } from '../anthropic/stop-reason.js';

/** Anthropic's input_tokens excludes cache reads/writes; OpenAI's prompt_tokens includes them. */
export function anthropicUsageOf(u: Usage | null): Json {
  if (!u) return { input_tokens: 0, output_tokens: 0 };
  return {
    input_tokens: Math.max(0, u.promptTokens - u.cachedTokens - u.cacheWriteTokens),
    output_tokens: u.completionTokens,
    cache_read_input_tokens: u.cachedTokens,
    cache_creation_input_tokens: u.cacheWriteTokens,
  };
}

export function messageIdOf(id: string): string {
  return id.startsWith('msg_') ? id : `msg_${id}`;
}

export function toolUseBlock(id: string, name: string, args: string): Json {
  const input = safeParse(args);
  return { type: 'tool_use', id, name, input: isObject(input) ? input : {} };
}

/** Thinking first, as Anthropic orders it: the blocks an Anthropic upstream gave (LiteLLM's
 *  `thinking_blocks`), else other upstreams' `reasoning_content` as an unsigned thinking block
 *  (which the anthropic adapter will not replay, since Anthropic would refuse it). */
export function thinkingBlocksOf(msg: Json): Json[] {
  const out: Json[] = [];
  for (const b of arr(msg['thinking_blocks'])) {
    if (!isObject(b)) continue;
    if (b['type'] === 'thinking')
      out.push({ type: 'thinking', thinking: str(b['thinking']) ?? '', signature: str(b['signature']) ?? '' });
    else if (b['type'] === 'redacted_thinking') out.push({ type: 'redacted_thinking', data: str(b['data']) ?? '' });
  }
  const reasoning = msg['reasoning_content'];
  if (out.length === 0 && typeof reasoning === 'string' && reasoning.length > 0)
    out.push({ type: 'thinking', thinking: reasoning, signature: '' });
  return out;
}

/** stop_reason and stop_sequence: the sequence an Anthropic upstream stopped at, when it said so. */
export function stopOf(choice: object): { stop_reason: string; stop_sequence: string | null } {
  const matched = nativeOf(choice, MATCHED_STOP_SEQUENCE);
  if (typeof matched === 'string') return { stop_reason: 'stop_sequence', stop_sequence: matched };
  return { stop_reason: stopReasonFromOpenAI((choice as Json)['finish_reason']), stop_sequence: null };
}

export function chatResponseToMessage(
  res: ChatResponse,
  model: string,
  usage: Usage | null = usageFromOpenAI(res.usage),
): Json {
  const choice = isObject(res.choices[0]) ? res.choices[0] : {};
  const msg = isObject(choice['message']) ? choice['message'] : {};
  const content: Json[] = [...thinkingBlocksOf(msg)];
  const text = typeof msg['content'] === 'string' ? msg['content'] : '';
  if (text.length > 0) content.push({ type: 'text', text });
  for (const tc of arr(msg['tool_calls'])) {
    if (!isObject(tc) || !isObject(tc['function'])) continue;
    content.push(
      toolUseBlock(str(tc['id']) ?? '', str(tc['function']['name']) ?? '', str(tc['function']['arguments']) ?? '{}'),
    );
  }
  return {
    id: messageIdOf(res.id),
    type: 'message',
    role: 'assistant',
    model,
    content,
    ...stopOf(choice),
    usage: anthropicUsageOf(usage),
  };
}
