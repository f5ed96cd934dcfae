// Anthropic Message → canonical chat.completion. Thinking blocks become LiteLLM's `reasoning_content`
// and `thinking_blocks` (see thinking.ts); the response_format tool becomes content (json-mode.ts).
import type { ChatResponse, ParseContext, Usage } from '../ports.js';
import { arr, isObject, setNative, str, type Json } from '../common/json.js';
import { UpstreamFormatError } from '../common/upstream-error.js';
import { usageToOpenAI } from '../common/usage.js';
import { JSON_TOOL_NAME } from './json-mode.js';
import { finishReasonFromAnthropic, MATCHED_STOP_SEQUENCE, matchedStopSequence } from './stop-reason.js';
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
  let reasoning = '';
  let jsonAnswer = false;
  const toolCalls: Json[] = [];
  const thinkingBlocks: Json[] = [];
  for (const block of arr(body['content'])) {
    if (!isObject(block)) continue;
    if (block['type'] === 'text') {
      text += str(block['text']) ?? '';
      hasText = true;
    } else if (block['type'] === 'tool_use' && block['name'] === JSON_TOOL_NAME) {
      // response_format's tool: its input is the JSON answer.
      text += JSON.stringify(block['input'] ?? {});
      hasText = true;
      jsonAnswer = true;
    } else if (block['type'] === 'tool_use') {
      toolCalls.push({
        id: str(block['id']) ?? '',
        type: 'function',
        function: { name: str(block['name']) ?? '', arguments: JSON.stringify(block['input'] ?? {}) },
      });
    } else if (block['type'] === 'thinking') {
      const thinking = str(block['thinking']) ?? '';
      reasoning += thinking;
      thinkingBlocks.push({ type: 'thinking', thinking, signature: str(block['signature']) ?? '' });
    } else if (block['type'] === 'redacted_thinking') {
      thinkingBlocks.push({ type: 'redacted_thinking', data: str(block['data']) ?? '' });
    }
  }
  const message: Json = { role: 'assistant', content: hasText || toolCalls.length === 0 ? text : null };
  if (toolCalls.length > 0) message['tool_calls'] = toolCalls;
  if (thinkingBlocks.length > 0) {
    message['reasoning_content'] = reasoning;
    message['thinking_blocks'] = thinkingBlocks;
  }
  const usage = usageFromAnthropic(body['usage']);
  // Only the JSON tool was called: to the client that is a finished answer, not a tool call.
  const finishReason = jsonAnswer && toolCalls.length === 0 ? 'stop' : finishReasonFromAnthropic(body['stop_reason']);
  const response: ChatResponse = {
    id: str(body['id']) ?? 'msg_unknown',
    object: 'chat.completion',
    created: ctx?.created ?? 0,
    model: publicModel,
    choices: [{ index: 0, message, logprobs: null, finish_reason: finishReason }],
  };
  const matched = matchedStopSequence(body['stop_reason'], body['stop_sequence']);
  if (matched !== undefined) setNative(response.choices[0]!, MATCHED_STOP_SEQUENCE, matched);
  if (usage) response.usage = usageToOpenAI(usage);
  return { response, usage };
}
