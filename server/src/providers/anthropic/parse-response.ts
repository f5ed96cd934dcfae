// Anthropic Message → canonical chat.completion.
import type { ChatResponse, ParseContext, Usage } from '../ports.js';
import { arr, isObject, str, type Json } from '../common/json.js';
import { UpstreamFormatError } from '../common/upstream-error.js';
import { usageToOpenAI } from '../common/usage.js';
import { finishReasonFromAnthropic } from './stop-reason.js';
import { usageFromAnthropic } from './usage.js';

export function parseAnthropicChatResponse(
  body: unknown,
  publicModel: string,
  ctx?: ParseContext,
): { response: ChatResponse; usage: Usage | null } {
  if (!isObject(body) || body['type'] !== 'message' || !Array.isArray(body['content'])) {
    throw new UpstreamFormatError('upstream returned no Anthropic message');
  }
  let text = '';
  let hasText = false;
  const toolCalls: Json[] = [];
  for (const block of arr(body['content'])) {
    if (!isObject(block)) continue;
    if (block['type'] === 'text') {
      text += str(block['text']) ?? '';
      hasText = true;
    } else if (block['type'] === 'tool_use') {
      toolCalls.push({
        id: str(block['id']) ?? '',
        type: 'function',
        function: { name: str(block['name']) ?? '', arguments: JSON.stringify(block['input'] ?? {}) },
      });
    }
    // thinking / redacted_thinking blocks have no Chat Completions equivalent and are dropped.
  }
  const message: Json = { role: 'assistant', content: hasText || toolCalls.length === 0 ? text : null };
  if (toolCalls.length > 0) message['tool_calls'] = toolCalls;
  const usage = usageFromAnthropic(body['usage']);
  const response: ChatResponse = {
    id: str(body['id']) ?? 'msg_unknown',
    object: 'chat.completion',
    created: ctx?.created ?? 0,
    model: publicModel,
    choices: [{ index: 0, message, logprobs: null, finish_reason: finishReasonFromAnthropic(body['stop_reason']) }],
  };
  if (usage) response.usage = usageToOpenAI(usage);
  return { response, usage };
}
