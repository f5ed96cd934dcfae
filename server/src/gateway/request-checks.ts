// Hand-written checks of the few request fields the gateway relies on. Deliberately not zod: this
// runs on every call, and unknown fields must pass through to the provider untouched. Each failure
// names the offending field (OpenAI's `param`).
import type { ChatRequest, ProviderPreferences } from './deps.js';
import { badRequest, type GatewayError } from './gateway-error.js';

type Check<T> = { ok: true; value: T } | { ok: false; error: GatewayError };

const fail = (param: string, message: string): { ok: false; error: GatewayError } => ({
  ok: false,
  error: badRequest(param, message),
});

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function checkPositiveInt(body: Record<string, unknown>, field: string): GatewayError | null {
  const v = body[field];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) return badRequest(field, 'must be a positive integer');
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
  if (c.value['stream'] === true)
    return fail('stream', 'streaming is not supported on the legacy completions endpoint');
  for (const f of ['max_tokens', 'n']) {
    const e = checkPositiveInt(c.value, f);
    if (e) return { ok: false, error: e };
  }
  return { ok: true, value: c.value as Record<string, unknown> & { model: string } };
}

const stringArray = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');
const SORTS = new Set(['price', 'latency', 'throughput']);

/**
 * OpenRouter-style provider preferences (tenant settings.provider, request body.provider).
 * `where` names the source in the error; null input = no preferences.
 */
export function checkProviderPreferences(v: unknown, where: string): Check<ProviderPreferences | null> {
  if (v === undefined || v === null) return { ok: true, value: null };
  if (!isObject(v)) return fail(where, 'must be an object');
  const out: ProviderPreferences = {};
  for (const f of ['order', 'only', 'ignore'] as const) {
    const x = v[f];
    if (x === undefined || x === null) continue;
    if (!stringArray(x)) return fail(`${where}.${f}`, 'must be an array of strings');
    out[f] = x;
  }
  const af = v['allow_fallbacks'];
  if (af !== undefined && af !== null) {
    if (typeof af !== 'boolean') return fail(`${where}.allow_fallbacks`, 'must be a boolean');
    out.allow_fallbacks = af;
  }
  const sort = v['sort'];
  if (sort !== undefined && sort !== null) {
    if (typeof sort !== 'string' || !SORTS.has(sort))
      return fail(`${where}.sort`, 'must be price, latency or throughput');
    out.sort = sort as ProviderPreferences['sort'];
  }
  return { ok: true, value: out };
}

/** Tenant preferences overlaid by the request's (request fields win). */
export function mergePreferences(
  tenant: ProviderPreferences | null,
  request: ProviderPreferences | null,
): ProviderPreferences | null {
  if (!tenant) return request;
  if (!request) return tenant;
  return { ...tenant, ...request };
}
