// Rendering one reply of the mock upstream — status, headers and body (or SSE events) — from the
// route, the request body and the behaviour. Pure, so the server can cache what it returns.
import { expectedMockUsage, type MockBehavior } from './behavior.js';
import { anthropicFormat } from './formats/anthropic.js';
import { geminiEmbeddings, geminiFormat } from './formats/gemini.js';
import { openAICompletion, openAICompletionStream, openAIEmbeddings, openAIFormat } from './formats/openai.js';
import type { WireFormat } from './formats/types.js';
import type { MockFormat, MockRoute } from './routes.js';

export const FORMATS: Record<MockFormat, WireFormat> = {
  openai: openAIFormat,
  azure: openAIFormat,
  anthropic: anthropicFormat,
  gemini: geminiFormat,
};
export const JSON_HEADERS = { 'content-type': 'application/json' };
const COUNT_TOKENS_FIELDS = new Set(['model', 'messages', 'system', 'tools', 'tool_choice', 'thinking', 'mcp_servers']);
const SSE_HEADERS = { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' };

export interface Rendered {
  status: number;
  headers: Record<string, string>;
  body?: Buffer;
  events?: Buffer[];
  /** All events concatenated: the common case is one write. */
  whole?: Buffer;
  lead?: number;
}

export function renderReply(
  route: MockRoute,
  body: Record<string, unknown>,
  b: MockBehavior,
  models: readonly string[],
): Rendered {
  const fmt = FORMATS[route.format];
  const model = route.pathModel ?? (typeof body['model'] === 'string' ? body['model'] : 'mock-model');
  const usage = expectedMockUsage(b);
  if (b.status !== undefined && b.status >= 400) {
    const headers: Record<string, string> = { ...JSON_HEADERS };
    if (b.retryAfter !== undefined) headers['retry-after'] = String(b.retryAfter);
    return {
      status: b.status,
      headers,
      body: Buffer.from(JSON.stringify(fmt.error(b.status, `mock upstream error ${b.status}`))),
    };
  }
  const usageHeader = { 'x-mock-usage': JSON.stringify(usage) };
  if (route.op === 'models') {
    return {
      status: 200,
      headers: JSON_HEADERS,
      body: Buffer.from(
        JSON.stringify({
          object: 'list',
          data: models.map((id) => ({ id, object: 'model', created: 1_700_000_000, owned_by: 'mock' })),
        }),
      ),
    };
  }
  if (route.op === 'count-tokens') {
    // Anthropic's token counting takes only these fields and refuses any other (max_tokens, stream…).
    const extra = Object.keys(body).find((k) => !COUNT_TOKENS_FIELDS.has(k));
    const out = extra
      ? fmt.error(400, `${extra}: Extra inputs are not permitted`)
      : { input_tokens: usage.promptTokens };
    return { status: extra ? 400 : 200, headers: JSON_HEADERS, body: Buffer.from(JSON.stringify(out)) };
  }
  if (route.op === 'embeddings' || route.op === 'gemini-embed') {
    const dims = typeof body['dimensions'] === 'number' ? body['dimensions'] : 8;
    const out =
      route.op === 'embeddings'
        ? openAIEmbeddings(model, body['input'], dims, usage)
        : geminiEmbeddings(Array.isArray(body['requests']) ? body['requests'].length : 1, dims);
    return { status: 200, headers: { ...JSON_HEADERS, ...usageHeader }, body: Buffer.from(JSON.stringify(out)) };
  }
  const stream = route.stream ?? body['stream'] === true;
  const so = body['stream_options'] as { include_usage?: unknown } | undefined;
  const input = {
    model,
    behavior: b,
    usage,
    includeUsage: route.format !== 'openai' && route.format !== 'azure' ? true : so?.include_usage === true,
  };
  if (b.garbage === 'json' && !stream)
    return {
      status: 200,
      headers: JSON_HEADERS,
      body: Buffer.from('{"id": "chatcmpl-broken", "choices": [{"index": 0, "mess'),
    };
  if (!stream) {
    const out = route.op === 'completions' ? openAICompletion(input) : fmt.chat(input);
    return { status: 200, headers: { ...JSON_HEADERS, ...usageHeader }, body: Buffer.from(JSON.stringify(out)) };
  }
  const rendered = b.garbage
    ? { events: ['data: {this is not json\n\n', 'data: <html>502</html>\n\n'], lead: 0 }
    : route.op === 'completions'
      ? openAICompletionStream(input)
      : fmt.stream(input);
  const { lead } = rendered;
  const events =
    b.errorAfter === undefined || b.garbage
      ? rendered.events
      : [...rendered.events.slice(0, lead + b.errorAfter), fmt.streamError('mock upstream overloaded mid-stream')];
  const buffers = events.map((e) => Buffer.from(e));
  return {
    status: 200,
    headers: b.garbage ? SSE_HEADERS : { ...SSE_HEADERS, ...usageHeader },
    events: buffers,
    whole: Buffer.concat(buffers),
    lead,
  };
}
