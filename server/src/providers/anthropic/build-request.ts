// Canonical (OpenAI) chat request → Anthropic Messages API request. Anthropic wants the system
// prompt apart, strictly alternating user/assistant turns, tool results as user-turn blocks and an
// explicit max_tokens.
import type { ChatRequest, ProviderEndpoint, UpstreamRequest } from '../ports.js';
import { arr, isObject, safeParse, str, type Json } from '../common/json.js';
import { endsWithVersion, joinUrl } from '../common/url.js';
import { hasCacheControl, nativeTextBlocks, withCacheControl } from './cache-control.js';
import { blocksFromContent } from './content.js';
import { jsonToolChoice, responseFormatTool } from './json-mode.js';
import { assistantThinkingBlocks, isThinkingOn, planThinking } from './thinking.js';
import { isToolResultImagesCopy, nativeToolResult } from './tool-result-images.js';

export const ANTHROPIC_VERSION = '2023-06-01';
export const ANTHROPIC_DEFAULT_MAX_TOKENS = 4096;

interface Turn {
  role: 'user' | 'assistant';
  content: Json[];
}

function toolUseBlock(call: unknown): Json | null {
  if (!isObject(call) || !isObject(call['function'])) return null;
  const fn = call['function'];
  const args = safeParse(str(fn['arguments']) ?? '{}');
  return withCacheControl(
    { type: 'tool_use', id: str(call['id']) ?? '', name: str(fn['name']) ?? '', input: isObject(args) ? args : {} },
    call,
  );
}

function toolResultBlock(msg: Json): Json {
  // A /v1/messages tool_result with images: its text and images, in the client's order.
  const native = nativeToolResult(msg);
  if (native) return withCacheControl({ ...native }, msg);
  const c = msg['content'];
  return withCacheControl(
    {
      type: 'tool_result',
      tool_use_id: str(msg['tool_call_id']) ?? '',
      content: typeof c === 'string' ? c : blocksFromContent(c),
    },
    msg,
  );
}

/** The system prompt: one string, or text blocks when one of them is a cache breakpoint. */
function systemOf(blocks: Json[]): string | Json[] | undefined {
  if (blocks.length === 0) return undefined;
  if (blocks.some(hasCacheControl)) return blocks;
  return blocks.map((b) => b['text'] as string).join('\n\n');
}

/** Returns the system prompt and the alternating turns. */
export function toAnthropicMessages(messages: unknown[]): { system: string | Json[] | undefined; turns: Turn[] } {
  const system: Json[] = [];
  const turns: Turn[] = [];
  const add = (role: Turn['role'], blocks: Json[]): void => {
    if (blocks.length === 0) return;
    const last = turns[turns.length - 1];
    // Consecutive same-role messages (e.g. several tool results) merge into one turn.
    if (last && last.role === role) last.content.push(...blocks);
    else turns.push({ role, content: blocks });
  };
  for (const m of messages) {
    if (!isObject(m)) continue;
    const role = m['role'];
    if (role === 'system' || role === 'developer') {
      // Each system message one block (its text parts joined), unless its blocks carry breakpoints.
      const native = nativeTextBlocks(m);
      if (native) {
        system.push(...native);
        continue;
      }
      const blocks = blocksFromContent(m['content']).filter((b) => b['type'] === 'text' && b['text'] !== '');
      if (blocks.some(hasCacheControl)) system.push(...blocks);
      else if (blocks.length > 0) system.push({ type: 'text', text: blocks.map((b) => b['text']).join('\n') });
    } else if (role === 'assistant') {
      // Earlier thinking goes back first in its turn, as Anthropic requires (signatures intact).
      const blocks = [...assistantThinkingBlocks(m), ...(nativeTextBlocks(m) ?? blocksFromContent(m['content']))];
      for (const call of arr(m['tool_calls'])) {
        const b = toolUseBlock(call);
        if (b) blocks.push(b);
      }
      add('assistant', blocks);
    } else if (role === 'tool') {
      add('user', [toolResultBlock(m)]);
    } else if (!isToolResultImagesCopy(m)) {
      // (A copy of tool_result images made for other upstreams is left out: they are in the tool_result.)
      add('user', blocksFromContent(m['content']));
    }
  }
  return { system: systemOf(system), turns };
}

function toolsOf(tools: unknown): Json[] | undefined {
  const out: Json[] = [];
  for (const t of arr(tools)) {
    if (!isObject(t) || !isObject(t['function'])) continue;
    const fn = t['function'];
    const tool: Json = {
      name: str(fn['name']) ?? '',
      input_schema: isObject(fn['parameters']) ? fn['parameters'] : { type: 'object', properties: {} },
    };
    if (typeof fn['description'] === 'string') tool['description'] = fn['description'];
    out.push(withCacheControl(tool, t));
  }
  return out.length > 0 ? out : undefined;
}

function toolChoiceOf(choice: unknown, parallel: unknown): Json | undefined {
  let out: Json | undefined;
  if (choice === 'auto') out = { type: 'auto' };
  else if (choice === 'required') out = { type: 'any' };
  else if (choice === 'none') out = { type: 'none' };
  else if (isObject(choice) && isObject(choice['function']))
    out = { type: 'tool', name: str(choice['function']['name']) ?? '' };
  if (parallel === false) out = { ...(out ?? { type: 'auto' }), disable_parallel_tool_use: true };
  return out;
}

export function toAnthropicBody(upstreamModel: string, req: ChatRequest): Json {
  const { system, turns } = toAnthropicMessages(req.messages);
  const cap = req.max_completion_tokens ?? req.max_tokens;
  let plan = planThinking(req, cap, ANTHROPIC_DEFAULT_MAX_TOKENS);
  // Anthropic refuses a thinking request whose last assistant tool call lacks its thinking block
  // (OpenAI clients usually drop `thinking_blocks`): that turn runs without thinking (LiteLLM's
  // modify_params behaviour) instead of failing.
  if (isThinkingOn(plan.thinking) && lastToolTurnLacksThinking(turns))
    plan = { thinking: undefined, maxTokens: cap ?? ANTHROPIC_DEFAULT_MAX_TOKENS };
  const thinkingOn = isThinkingOn(plan.thinking);
  const body: Json = { model: upstreamModel, max_tokens: plan.maxTokens, messages: turns };
  if (system !== undefined) body['system'] = system;
  if (plan.thinking) body['thinking'] = plan.thinking;
  // Thinking allows no temperature change and top_p only in 0.95..1; clients often set both by default.
  if (typeof req['temperature'] === 'number' && !thinkingOn) body['temperature'] = Math.min(req['temperature'], 1); // Anthropic's range is 0..1
  if (typeof req['top_p'] === 'number' && (!thinkingOn || req['top_p'] >= 0.95)) body['top_p'] = req['top_p'];
  const stop = req['stop'];
  if (typeof stop === 'string') body['stop_sequences'] = [stop];
  else if (Array.isArray(stop) && stop.length > 0) body['stop_sequences'] = stop;
  const tools = toolsOf(req['tools']);
  const clientChoice = tools ? toolChoiceOf(req['tool_choice'], req['parallel_tool_calls']) : undefined;
  const jsonTool = responseFormatTool(req['response_format']);
  // Tools stay declared even with tool_choice none: history may hold tool_use blocks naming them.
  if (tools || jsonTool) body['tools'] = [...(tools ?? []), ...(jsonTool ? [jsonTool] : [])];
  const tc = jsonTool ? jsonToolChoice(clientChoice, tools !== undefined, thinkingOn) : clientChoice;
  if (tc) body['tool_choice'] = tc;
  if (typeof req['user'] === 'string') body['metadata'] = { user_id: req['user'] };
  if (req.stream === true) body['stream'] = true;
  return body;
}

function lastToolTurnLacksThinking(turns: Turn[]): boolean {
  const last = turns.findLast((t) => t.role === 'assistant');
  if (!last || !last.content.some((b) => b['type'] === 'tool_use')) return false;
  const first = last.content[0]?.['type'];
  return first !== 'thinking' && first !== 'redacted_thinking';
}

export function anthropicHeaders(p: ProviderEndpoint): Record<string, string> {
  const h: Record<string, string> = {
    'content-type': 'application/json',
    accept: 'application/json',
    'anthropic-version': ANTHROPIC_VERSION,
    ...p.headers,
  };
  if (p.apiKey) h['x-api-key'] = p.apiKey;
  return h;
}

export function buildAnthropicChatRequest(
  p: ProviderEndpoint,
  upstreamModel: string,
  req: ChatRequest,
): UpstreamRequest {
  // Base URL may be given with or without the /v1 segment (https://api.anthropic.com[/v1]).
  const url = joinUrl(p.baseUrl, endsWithVersion(p.baseUrl) ? '/messages' : '/v1/messages');
  return {
    url,
    method: 'POST',
    headers: anthropicHeaders(p),
    body: JSON.stringify(toAnthropicBody(upstreamModel, req)),
  };
}
