// DEMO ONLY. The `echo` provider's "upstream" is this pure function: it answers with the last user
// message, deterministically, in OpenAI's wire format (JSON or SSE), with usage counted by the
// tokenizer. It lets a newcomer try Tollgate with no network and no provider account; it is not a
// model and must not be priced as one.
import type { SimulatedResponse, UpstreamRequest } from '../ports.js';
import { arr, isObject, safeParse, type Json } from '../common/json.js';
import { textOf } from '../anthropic/content.js';
import { countTextTokens, encodingForModel, getEncoder } from '../tokenizer/encoder.js';
import { estimateInputTokens, estimatePromptTokens } from '../tokenizer/estimate-prompt.js';

/** FNV-1a: a stable id per distinct request, so identical requests give identical answers. */
export function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

function lastUserText(messages: unknown[]): string {
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i];
    if (isObject(m) && m['role'] === 'user') return textOf(m['content']);
  }
  return '';
}

/** The reply, cut to max_tokens so a demo call never costs more than its reservation. */
function replyOf(req: Json): { text: string; truncated: boolean } {
  const text = lastUserText(arr(req['messages']));
  const max =
    typeof req['max_completion_tokens'] === 'number'
      ? req['max_completion_tokens']
      : typeof req['max_tokens'] === 'number'
        ? req['max_tokens']
        : undefined;
  if (max === undefined || countTextTokens(text, String(req['model'])) <= max) return { text, truncated: false };
  const enc = getEncoder(encodingForModel(String(req['model'])));
  return { text: enc.decode(enc.encode(text, [], []).slice(0, Math.max(0, max))), truncated: true };
}

/** Word-sized pieces (whitespace kept) so the stream looks like a model's. */
function piecesOf(text: string): string[] {
  return text.match(/\s*\S+|\s+$/g) ?? [];
}

const json = (status: number, body: unknown): SimulatedResponse => ({
  status,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

function chat(req: Json, raw: string): SimulatedResponse {
  const model = String(req['model']);
  const { text, truncated } = replyOf(req);
  const promptTokens = estimatePromptTokens({ ...req, model, messages: arr(req['messages']) }, model);
  const completionTokens = countTextTokens(text, model);
  const usage = {
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: promptTokens + completionTokens,
  };
  const id = `chatcmpl-echo-${fnv1a(raw).toString(16)}`;
  const finish = truncated ? 'length' : 'stop';
  const base = { id, created: 0, model, system_fingerprint: 'tollgate-echo-demo' };
  if (req['stream'] !== true) {
    return json(200, {
      ...base,
      object: 'chat.completion',
      choices: [{ index: 0, message: { role: 'assistant', content: text }, logprobs: null, finish_reason: finish }],
      usage,
    });
  }
  const chunk = (choices: unknown[], extra: Json = {}): string =>
    `data: ${JSON.stringify({ ...base, object: 'chat.completion.chunk', choices, ...extra })}\n\n`;
  let sse = chunk([{ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }]);
  for (const p of piecesOf(text))
    sse += chunk([{ index: 0, delta: { content: p }, logprobs: null, finish_reason: null }]);
  sse += chunk([{ index: 0, delta: {}, logprobs: null, finish_reason: finish }]);
  const so = req['stream_options'];
  if (isObject(so) && so['include_usage'] === true) sse += chunk([], { usage });
  sse += 'data: [DONE]\n\n';
  return { status: 200, headers: { 'content-type': 'text/event-stream' }, body: sse };
}

const DIMENSIONS = 8;

function embeddings(req: Json): SimulatedResponse {
  const inputs = Array.isArray(req['input']) ? req['input'] : [req['input']];
  const data = inputs.map((input, index) => {
    let h = fnv1a(JSON.stringify(input));
    const embedding: number[] = [];
    for (let i = 0; i < DIMENSIONS; i++) {
      h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d) >>> 0;
      embedding.push(Math.round(((h / 0xffffffff) * 2 - 1) * 1e6) / 1e6);
    }
    return { object: 'embedding', index, embedding };
  });
  const tokens = estimateInputTokens(req['input'], String(req['model']));
  return json(200, {
    object: 'list',
    data,
    model: req['model'],
    usage: { prompt_tokens: tokens, total_tokens: tokens },
  });
}

export function simulateEcho(req: UpstreamRequest): SimulatedResponse {
  const body = safeParse(req.body ?? '');
  if (!isObject(body))
    return json(400, { error: { message: 'echo: request body is not JSON', type: 'invalid_request_error' } });
  if (req.url.endsWith('/embeddings')) return embeddings(body);
  if (req.url.endsWith('/chat/completions')) return chat(body, req.body ?? '');
  return json(404, { error: { message: `echo: ${req.url} is not supported`, type: 'invalid_request_error' } });
}
