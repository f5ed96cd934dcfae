// Prompt-token estimates for a canonical chat request, two ways:
//  - estimatePromptTokensFast: no tokenizer, O(size of the request), an upper-bound-ish guess
//    (UTF-8 bytes / 3: English averages ~4 bytes per token, CJK ~3). The gateway uses it on the
//    hot path for the budget reservation, where over-estimating is safe and latency matters.
//  - estimatePromptTokens: BPE-exact for the text, following OpenAI's per-message framing
//    (3 tokens per message, 1 per name, 3 to prime the reply). Used when a provider reports no
//    usage and the usage record must be `usage_source: estimated`.
import type { ChatRequest } from '../ports.js';
import { countTextTokens } from './encoder.js';

const PER_MESSAGE = 3;
const PER_NAME = 1;
const REPLY_PRIMING = 3;
const PER_TOOL = 10;
const TOOLS_PREAMBLE = 12;
/** A high-detail 1024×1024 image; sizes are unknown without fetching it, so assume the common case. */
const IMAGE_TOKENS = 765;
const IMAGE_TOKENS_LOW = 85;

type Counter = (text: string) => number;

function contentTokens(content: unknown, count: Counter): number {
  if (typeof content === 'string') return count(content);
  if (!Array.isArray(content)) return 0;
  let n = 0;
  for (const part of content) {
    if (typeof part !== 'object' || part === null) continue;
    const p = part as Record<string, unknown>;
    if (typeof p['text'] === 'string') n += count(p['text']);
    else if (p['type'] === 'image_url') {
      const iu = p['image_url'] as Record<string, unknown> | undefined;
      n += iu && iu['detail'] === 'low' ? IMAGE_TOKENS_LOW : IMAGE_TOKENS;
    } else if (p['type'] === 'input_audio' || p['type'] === 'file') n += count(JSON.stringify(p));
  }
  return n;
}

function messageTokens(m: unknown, count: Counter): number {
  if (typeof m !== 'object' || m === null) return 0;
  const msg = m as Record<string, unknown>;
  let n = PER_MESSAGE;
  if (typeof msg['role'] === 'string') n += count(msg['role']);
  n += contentTokens(msg['content'], count);
  if (typeof msg['name'] === 'string') n += PER_NAME + count(msg['name']);
  if (Array.isArray(msg['tool_calls'])) {
    for (const c of msg['tool_calls']) {
      const fn = (c as Record<string, unknown> | null)?.['function'] as Record<string, unknown> | undefined;
      if (!fn) continue;
      n += PER_TOOL;
      if (typeof fn['name'] === 'string') n += count(fn['name']);
      if (typeof fn['arguments'] === 'string') n += count(fn['arguments']);
    }
  }
  if (typeof msg['tool_call_id'] === 'string') n += count(msg['tool_call_id']);
  return n;
}

function toolsTokens(tools: unknown, count: Counter): number {
  if (!Array.isArray(tools) || tools.length === 0) return 0;
  let n = TOOLS_PREAMBLE;
  for (const t of tools) {
    const fn = (t as Record<string, unknown> | null)?.['function'] as Record<string, unknown> | undefined;
    if (!fn) continue;
    n += PER_TOOL;
    if (typeof fn['name'] === 'string') n += count(fn['name']);
    if (typeof fn['description'] === 'string') n += count(fn['description']);
    if (fn['parameters'] !== undefined) n += count(JSON.stringify(fn['parameters']));
  }
  return n;
}

function estimateWith(req: ChatRequest, count: Counter): number {
  let n = REPLY_PRIMING;
  for (const m of req.messages) n += messageTokens(m, count);
  n += toolsTokens(req['tools'], count);
  const rf = req['response_format'] as Record<string, unknown> | undefined;
  if (rf && typeof rf === 'object' && rf['json_schema'] !== undefined) n += count(JSON.stringify(rf['json_schema']));
  return n;
}

export function estimatePromptTokens(req: ChatRequest, model: string = req.model): number {
  return estimateWith(req, (t) => countTextTokens(t, model));
}

const fastCount: Counter = (t) => Math.ceil(Buffer.byteLength(t, 'utf8') / 3);

export function estimatePromptTokensFast(req: ChatRequest): number {
  return estimateWith(req, fastCount);
}

/** Embeddings / legacy completions input: a string, an array of strings, or token arrays. */
export function estimateInputTokens(input: unknown, model?: string): number {
  if (typeof input === 'string') return countTextTokens(input, model);
  if (!Array.isArray(input)) return 0;
  let n = 0;
  for (const item of input) {
    if (typeof item === 'string') n += countTextTokens(item, model);
    else if (typeof item === 'number')
      n += 1; // a pre-tokenised input: one token per id
    else if (Array.isArray(item)) n += item.length;
  }
  return n;
}

export function estimateInputTokensFast(input: unknown): number {
  if (typeof input === 'string') return fastCount(input);
  if (!Array.isArray(input)) return 0;
  let n = 0;
  for (const item of input) {
    if (typeof item === 'string') n += fastCount(item);
    else if (typeof item === 'number') n += 1;
    else if (Array.isArray(item)) n += item.length;
  }
  return n;
}
