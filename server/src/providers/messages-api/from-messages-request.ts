// Inbound Anthropic Messages request → canonical (OpenAI) chat request, so /v1/messages can be
// served by any configured model. Tool results become `tool` messages placed right after the
// assistant turn that called them (OpenAI's ordering rule); images become image_url parts.
// Images inside a tool_result, which OpenAI tool messages cannot hold, follow the turn's tool
// messages in a user message (see anthropic/tool-result-images.ts for how Anthropic gets them back).
// Extended thinking (the `thinking` parameter, assistant thinking blocks) and prompt-caching
// breakpoints (`cache_control`, anthropic/cache-control.ts) ride along under symbol keys that only
// the anthropic adapter reads: Anthropic upstreams get them back unchanged, others never see them.
import type { z } from 'zod';
import type { ChatRequest } from '../ports.js';
import type { Result } from '../../shared/errors.js';
import { setNative, str, type Json } from '../common/json.js';
import { hasCacheControl, keepCacheControl, keepTextBlocks } from '../anthropic/cache-control.js';
import { NATIVE_THINKING_BLOCKS, NATIVE_THINKING_CONFIG } from '../anthropic/thinking.js';
import { NATIVE_TOOL_RESULT, TOOL_RESULT_IMAGES_COPY } from '../anthropic/tool-result-images.js';
import {
  countTokensRequestSchema,
  messagesRequestSchema,
  type ContentBlock,
  type ImageBlock,
  type MessagesRequest,
} from './schema.js';

export interface MessagesRequestError {
  field: string;
  message: string;
}

type ToolResultBlock = Extract<ContentBlock, { type: 'tool_result' }>;

function imageUrlPart(block: ImageBlock): Json {
  const src = block.source;
  const url = src.type === 'base64' ? `data:${src.media_type};base64,${src.data}` : src.url;
  return keepCacheControl({ type: 'image_url', image_url: { url } }, block);
}

const textPart = (block: { text: string } & Record<string, unknown>): Json =>
  keepCacheControl({ type: 'text', text: block.text }, block);

function toolResultText(content: ToolResultBlock['content']): string {
  if (typeof content === 'string') return content;
  if (!content) return '';
  return content.map((b) => (b.type === 'text' ? (str(b['text']) ?? '') : '')).join('');
}

function isImage(b: { type: string }): b is ImageBlock {
  return b.type === 'image';
}

function toolResultImages(b: ToolResultBlock): ImageBlock[] {
  return Array.isArray(b.content) ? b.content.filter(isImage) : [];
}

/** The tool_result as an Anthropic upstream gets it back: its text and images, in order, and its
 *  is_error flag. */
function anthropicToolResult(b: ToolResultBlock): Json {
  if (!Array.isArray(b.content)) {
    const block: Json = { type: 'tool_result', tool_use_id: b.tool_use_id, content: b.content ?? '' };
    if (b.is_error === true) block['is_error'] = true;
    return block;
  }
  const content: Json[] = [];
  for (const c of b.content) {
    if (isImage(c)) content.push({ type: 'image', source: c.source });
    else if (c.type === 'text') content.push({ type: 'text', text: str(c['text']) ?? '' });
  }
  const block: Json = { type: 'tool_result', tool_use_id: b.tool_use_id, content };
  if (b.is_error === true) block['is_error'] = true;
  return block;
}

function toolMessage(b: ToolResultBlock, hasImages: boolean): Json {
  const text = toolResultText(b.content);
  const msg: Json = keepCacheControl(
    {
      role: 'tool',
      tool_call_id: b.tool_use_id,
      content: b.is_error === true ? `Error: ${text}` : text,
    },
    b,
  );
  // Anthropic upstreams get the block itself when the text alone would lose something: images,
  // or the is_error flag (other upstreams only see the "Error: " prefix).
  if (hasImages || b.is_error === true) setNative(msg, NATIVE_TOOL_RESULT, anthropicToolResult(b));
  return msg;
}

/** One text part stays a plain string (what most upstreams handle best), unless it is a cache
 *  breakpoint. */
function collapse(parts: Json[]): unknown {
  if (parts.length === 1 && parts[0]!['type'] === 'text' && !hasCacheControl(parts[0]!)) return parts[0]!['text'];
  return parts;
}

function userMessages(content: string | ContentBlock[]): Json[] {
  if (typeof content === 'string') return [{ role: 'user', content }];
  const out: Json[] = []; // the tool messages first, as OpenAI wants them right after the tool calls
  const toolImages: Json[] = [];
  const parts: Json[] = [];
  for (const b of content) {
    if (b.type === 'tool_result') {
      const images = toolResultImages(b);
      out.push(toolMessage(b, images.length > 0));
      if (images.length > 0)
        toolImages.push({ type: 'text', text: `Output of tool call ${b.tool_use_id}:` }, ...images.map(imageUrlPart));
    } else if (b.type === 'text') parts.push(textPart(b));
    else if (b.type === 'image') parts.push(imageUrlPart(b));
  }
  if (toolImages.length > 0) {
    const copy: Json = { role: 'user', content: toolImages };
    setNative(copy, TOOL_RESULT_IMAGES_COPY, true);
    out.push(copy);
  }
  if (parts.length > 0) out.push({ role: 'user', content: collapse(parts) });
  return out;
}

function assistantMessage(content: string | ContentBlock[]): Json {
  if (typeof content === 'string') return { role: 'assistant', content };
  let text = '';
  const texts: Extract<ContentBlock, { type: 'text' }>[] = [];
  const calls: Json[] = [];
  const thinking: Json[] = [];
  for (const b of content) {
    if (b.type === 'text') {
      text += b.text;
      texts.push(b);
    } else if (b.type === 'thinking' || b.type === 'redacted_thinking') thinking.push(b);
    else if (b.type === 'tool_use') {
      const call = { id: b.id, type: 'function', function: { name: b.name, arguments: JSON.stringify(b.input) } };
      calls.push(keepCacheControl(call, b));
    }
  }
  const msg: Json = keepTextBlocks(
    { role: 'assistant', content: text.length > 0 || calls.length === 0 ? text : null },
    texts,
  );
  if (calls.length > 0) msg['tool_calls'] = calls;
  // Unchanged, for an Anthropic upstream only (symbol key: never serialised for other upstreams).
  if (thinking.length > 0) setNative(msg, NATIVE_THINKING_BLOCKS, thinking);
  return msg;
}

export function messagesToChatRequest(m: MessagesRequest | CountTokensRequest): ChatRequest {
  const messages: Json[] = [];
  if (typeof m.system === 'string' && m.system.length > 0) messages.push({ role: 'system', content: m.system });
  else if (Array.isArray(m.system) && m.system.length > 0)
    messages.push(keepTextBlocks({ role: 'system', content: m.system.map((b) => b.text).join('\n') }, m.system));
  for (const msg of m.messages) {
    if (msg.role === 'user') messages.push(...userMessages(msg.content));
    else messages.push(assistantMessage(msg.content));
  }
  // max_tokens, the field every OpenAI-compatible server reads (Ollama, LM Studio and others ignore
  // max_completion_tokens); the openai adapter renames it for OpenAI's reasoning models, which
  // refuse it (openAIBody).
  const req: ChatRequest = { model: m.model, messages };
  if (m.max_tokens !== undefined) req.max_tokens = m.max_tokens;
  if (m.stop_sequences && m.stop_sequences.length > 0) req['stop'] = m.stop_sequences;
  if (m.temperature !== undefined) req['temperature'] = m.temperature;
  if (m.top_p !== undefined) req['top_p'] = m.top_p;
  if (m.tools && m.tools.length > 0) {
    req['tools'] = m.tools.map((t) =>
      keepCacheControl(
        {
          type: 'function',
          function: {
            name: t.name,
            ...(t.description ? { description: t.description } : {}),
            parameters: t.input_schema,
          },
        },
        t,
      ),
    );
  }
  const tc = m.tool_choice;
  if (tc) {
    if (tc.type === 'auto') req['tool_choice'] = 'auto';
    else if (tc.type === 'any') req['tool_choice'] = 'required';
    else if (tc.type === 'none') req['tool_choice'] = 'none';
    else req['tool_choice'] = { type: 'function', function: { name: tc.name ?? '' } };
    if (tc.disable_parallel_tool_use === true) req['parallel_tool_calls'] = false;
  }
  if (typeof m.metadata?.user_id === 'string') req['user'] = m.metadata.user_id;
  if (m.thinking) setNative(req, NATIVE_THINKING_CONFIG, m.thinking);
  if (m.stream === true) {
    req.stream = true;
    req.stream_options = { include_usage: true };
  }
  return req;
}

/** The issue worth reporting. Inside a union (content: string | blocks), zod reports only "Invalid
 *  input" at the union; the branch that got furthest names the real field (`….content.1.text`). */
function innermost(issue: z.core.$ZodIssue): { path: PropertyKey[]; message: string } {
  let path = issue.path;
  let cur = issue;
  while (cur.code === 'invalid_union') {
    let best: z.core.$ZodIssue | undefined;
    for (const branch of cur.errors) {
      const first = branch[0];
      if (first && first.path.length > (best?.path.length ?? 0)) best = first;
    }
    if (!best) break;
    path = [...path, ...best.path];
    cur = best;
  }
  return { path, message: cur.message };
}

/** Validate and translate; failures name the offending field (`messages.0.content.1.text`). */
export function parseMessagesRequest(body: unknown): Result<ChatRequest, MessagesRequestError> {
  return parseWith(messagesRequestSchema, body);
}

/** The body of POST /v1/messages/count_tokens: as parseMessagesRequest, `max_tokens` optional. */
export function parseCountTokensRequest(body: unknown): Result<ChatRequest, MessagesRequestError> {
  return parseWith(countTokensRequestSchema, body);
}

type CountTokensRequest = z.infer<typeof countTokensRequestSchema>;

function parseWith(
  schema: typeof messagesRequestSchema | typeof countTokensRequestSchema,
  body: unknown,
): Result<ChatRequest, MessagesRequestError> {
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    const issue = first ? innermost(first) : { path: [], message: 'invalid' };
    const field = issue.path.length > 0 ? issue.path.map(String).join('.') : 'body';
    return { ok: false, error: { field, message: `${field}: ${issue.message}` } };
  }
  const tc = parsed.data.tool_choice;
  if (tc?.type === 'tool' && !tc.name)
    return {
      ok: false,
      error: { field: 'tool_choice.name', message: 'tool_choice.name: required when type is "tool"' },
    };
  return { ok: true, value: messagesToChatRequest(parsed.data) };
}
