// Hand-written checks of the few OpenAI request fields the gateway relies on. Deliberately not zod: this
// runs on every call, and unknown fields must pass through to the provider untouched. Each failure
// names the offending field (OpenAI's `param`).
import type { ChatRequest } from './deps.js';
import { badRequest, type GatewayError } from './gateway-error.js';

type Check<T> = { ok: true; value: T } | { ok: false; error: GatewayError };

const fail = (param: string, message: string): { ok: false; error: GatewayError } => ({
  ok: false,
  error: badRequest(param, message),
});

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** More output tokens than any model produces: a larger request is a mistake, refused before reserving. */
const MAX_COUNT = 2 ** 31 - 1;

function checkPositiveInt(body: Record<string, unknown>, field: string): GatewayError | null {
  const v = body[field];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > MAX_COUNT)
    return badRequest(field, `must be a positive integer up to ${MAX_COUNT}`);
  return null;
}

function checkCommon(body: unknown): Check<Record<string, unknown>> {
  if (!isObject(body)) return fail('body', 'must be a JSON object');
  const model = body['model'];
  if (model === undefined) return fail('model', 'is required');
  if (typeof model !== 'string' || model.length === 0) return fail('model', 'must be a non-empty string');
  const user = body['user'];
  if (user !== undefined && user !== null && typeof user !== 'string') return fail('user', 'must be a string');
  const metadata = body['metadata'];
  if (metadata !== undefined && metadata !== null && !isObject(metadata)) return fail('metadata', 'must be an object');
  const stream = body['stream'];
  if (stream !== undefined && stream !== null && typeof stream !== 'boolean')
    return fail('stream', 'must be a boolean');
  return { ok: true, value: body };
}

export function checkChatRequest(body: unknown): Check<ChatRequest> {
  const c = checkCommon(body);
  if (!c.ok) return c;
  const b = c.value;
  const messages = b['messages'];
  if (messages === undefined) return fail('messages', 'is required');
  if (!Array.isArray(messages)) return fail('messages', 'must be an array');
  if (messages.length === 0) return fail('messages', 'must contain at least one message');
  for (let i = 0; i < messages.length; i++) {
    const m: unknown = messages[i];
    if (!isObject(m)) return fail(`messages[${i}]`, 'must be an object');
    if (typeof m['role'] !== 'string') return fail(`messages[${i}].role`, 'must be a string');
    const content = m['content'];
    if (content !== undefined && content !== null && typeof content !== 'string' && !Array.isArray(content)) {
      return fail(`messages[${i}].content`, 'must be a string or an array of content parts');
    }
  }
  for (const f of ['max_tokens', 'max_completion_tokens', 'n']) {
    const e = checkPositiveInt(b, f);
    if (e) return { ok: false, error: e };
  }
  const so = b['stream_options'];
  if (so !== undefined && so !== null && !isObject(so)) return fail('stream_options', 'must be an object');
  const tools = b['tools'];
  if (tools !== undefined && tools !== null && !Array.isArray(tools)) return fail('tools', 'must be an array');
  for (const f of ['temperature', 'top_p', 'presence_penalty', 'frequency_penalty']) {
    const v = b[f];
    if (v !== undefined && v !== null && typeof v !== 'number') return fail(f, 'must be a number');
  }
  return { ok: true, value: b as ChatRequest };
}

export function checkEmbeddingsRequest(body: unknown): Check<Record<string, unknown> & { model: string }> {
  const c = checkCommon(body);
  if (!c.ok) return c;
  const input = c.value['input'];
  if (input === undefined) return fail('input', 'is required');
  if (typeof input !== 'string' && !Array.isArray(input)) return fail('input', 'must be a string or an array');
  return { ok: true, value: c.value as Record<string, unknown> & { model: string } };
}

export function checkCompletionsRequest(body: unknown): Check<Record<string, unknown> & { model: string }> {
  const c = checkCommon(body);
  if (!c.ok) return c;
  const prompt = c.value['prompt'];
  if (prompt === undefined) return fail('prompt', 'is required');
  if (typeof prompt !== 'string' && !Array.isArray(prompt)) return fail('prompt', 'must be a string or an array');
  const so = c.value['stream_options'];
  if (so !== undefined && so !== null && !isObject(so)) return fail('stream_options', 'must be an object');
  for (const f of ['max_tokens', 'n']) {
    const e = checkPositiveInt(c.value, f);
    if (e) return { ok: false, error: e };
  }
  return { ok: true, value: c.value as Record<string, unknown> & { model: string } };
}
