// /v1/messages requests (Anthropic Messages API shape) → Tollgate's canonical OpenAI chat request,
// so Anthropic SDKs and tools reach any configured model. System prompt, text and image blocks,
// tool_use / tool_result, tools and tool_choice are mapped; unknown fields are dropped (the target
// provider may not be Anthropic).
import type { ChatRequest } from './deps.js';
import { badRequest, type GatewayError } from './gateway-error.js';

type Check<T> = { ok: true; value: T } | { ok: false; error: GatewayError };
type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const fail = (param: string, message: string): Check<never> => ({ ok: false, error: badRequest(param, message) });

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .filter((b): b is Obj => isObj(b) && b['type'] === 'text' && typeof b['text'] === 'string')
    .map((b) => b['text'] as string)
    .join('\n');
}

function imagePart(block: Obj): Obj | null {
  const src = block['source'];
  if (!isObj(src)) return null;
  if (src['type'] === 'base64')
    return { type: 'image_url', image_url: { url: `data:${String(src['media_type'])};base64,${String(src['data'])}` } };
  if (src['type'] === 'url') return { type: 'image_url', image_url: { url: String(src['url']) } };
  return null;
}

/** One Anthropic message → one or more OpenAI messages (tool results become `tool` messages). */
function convertMessage(m: Obj, path: string): Check<Obj[]> {
  const role = m['role'];
  if (role !== 'user' && role !== 'assistant') return fail(`${path}.role`, 'must be "user" or "assistant"');
  const content = m['content'];
  if (typeof content === 'string') return { ok: true, value: [{ role, content }] };
  if (!Array.isArray(content)) return fail(`${path}.content`, 'must be a string or an array of content blocks');
  const parts: Obj[] = [];
  const toolCalls: Obj[] = [];
  const toolResults: Obj[] = [];
  for (let i = 0; i < content.length; i++) {
    const b: unknown = content[i];
    if (!isObj(b) || typeof b['type'] !== 'string')
      return fail(`${path}.content[${i}]`, 'must be a content block with a type');
    switch (b['type']) {
      case 'text':
        if (typeof b['text'] !== 'string') return fail(`${path}.content[${i}].text`, 'must be a string');
        parts.push({ type: 'text', text: b['text'] });
        break;
      case 'image': {
        const img = imagePart(b);
        if (!img) return fail(`${path}.content[${i}].source`, 'must be a base64 or url image source');
        parts.push(img);
        break;
      }
      case 'tool_use':
        toolCalls.push({
          id: String(b['id']),
          type: 'function',
          function: { name: String(b['name']), arguments: JSON.stringify(b['input'] ?? {}) },
        });
        break;
      case 'tool_result':
        toolResults.push({ role: 'tool', tool_call_id: String(b['tool_use_id']), content: textOf(b['content']) });
        break;
      default:
        // thinking, documents…: not portable across providers; skipped.
        break;
    }
  }
  const out: Obj[] = [...toolResults];
  if (role === 'assistant') {
    const text = parts
      .filter((p) => p['type'] === 'text')
      .map((p) => p['text'] as string)
      .join('');
    const msg: Obj = { role, content: text || null };
    if (toolCalls.length) msg['tool_calls'] = toolCalls;
    if (text || toolCalls.length) out.push(msg);
  } else if (parts.length) {
    out.push({
      role,
      content: parts.every((p) => p['type'] === 'text') ? parts.map((p) => p['text']).join('\n') : parts,
    });
  }
  return { ok: true, value: out };
}

function convertToolChoice(tc: unknown): unknown {
  if (!isObj(tc)) return undefined;
  switch (tc['type']) {
    case 'auto':
      return 'auto';
    case 'any':
      return 'required';
    case 'none':
      return 'none';
    case 'tool':
      return { type: 'function', function: { name: String(tc['name']) } };
    default:
      return undefined;
  }
}

export function anthropicToChat(body: unknown): Check<ChatRequest> {
  if (!isObj(body)) return fail('body', 'must be a JSON object');
  const model = body['model'];
  if (model === undefined) return fail('model', 'is required');
  if (typeof model !== 'string' || !model) return fail('model', 'must be a non-empty string');
  const maxTokens = body['max_tokens'];
  if (maxTokens === undefined) return fail('max_tokens', 'is required');
  if (typeof maxTokens !== 'number' || !Number.isInteger(maxTokens) || maxTokens < 1)
    return fail('max_tokens', 'must be a positive integer');
  const messages = body['messages'];
  if (messages === undefined) return fail('messages', 'is required');
  if (!Array.isArray(messages)) return fail('messages', 'must be an array');
  if (messages.length === 0) return fail('messages', 'must contain at least one message');
  const stream = body['stream'];
  if (stream !== undefined && typeof stream !== 'boolean') return fail('stream', 'must be a boolean');

  const out: Obj[] = [];
  const system = body['system'];
  if (system !== undefined) {
    if (typeof system !== 'string' && !Array.isArray(system))
      return fail('system', 'must be a string or an array of text blocks');
    const text = textOf(system);
    if (text) out.push({ role: 'system', content: text });
  }
  for (let i = 0; i < messages.length; i++) {
    const m: unknown = messages[i];
    if (!isObj(m)) return fail(`messages[${i}]`, 'must be an object');
    const r = convertMessage(m, `messages[${i}]`);
    if (!r.ok) return r;
    out.push(...r.value);
  }
  const chat: ChatRequest = { model, messages: out, max_tokens: maxTokens };
  if (stream) chat.stream = true;
  for (const f of ['temperature', 'top_p'] as const) {
    const v = body[f];
    if (v !== undefined) {
      if (typeof v !== 'number') return fail(f, 'must be a number');
      chat[f] = v;
    }
  }
  const stops = body['stop_sequences'];
  if (stops !== undefined) {
    if (!Array.isArray(stops) || !stops.every((s) => typeof s === 'string'))
      return fail('stop_sequences', 'must be an array of strings');
    chat['stop'] = stops;
  }
  const tools = body['tools'];
  if (tools !== undefined) {
    if (!Array.isArray(tools)) return fail('tools', 'must be an array');
    chat['tools'] = tools.filter(isObj).map((t) => ({
      type: 'function',
      function: {
        name: String(t['name']),
        ...(t['description'] ? { description: String(t['description']) } : {}),
        parameters: t['input_schema'] ?? { type: 'object' },
      },
    }));
    const choice = convertToolChoice(body['tool_choice']);
    if (choice !== undefined) chat['tool_choice'] = choice;
  }
  const meta = body['metadata'];
  if (isObj(meta)) {
    if (typeof meta['user_id'] === 'string') chat['user'] = meta['user_id'];
    chat['metadata'] = meta;
  }
  if (body['provider'] !== undefined) chat['provider'] = body['provider'];
  return { ok: true, value: chat };
}
