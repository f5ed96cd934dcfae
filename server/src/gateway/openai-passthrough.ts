// The fast paths for OpenAI-format upstreams (openai, azure-openai) talking to OpenAI clients.
// Non-stream: the answer's bytes are forwarded with the model name swapped (forwardOpenAiChatResponse).
// Streams: an event that already is a canonical chunk is forwarded as the bytes it came in, with
// two string edits — the upstream model name replaced by the public one, and the `"usage":null`
// field dropped when the client did not ask for usage — instead of JSON.parse + JSON.stringify
// per event. Anything else (the usage chunk, error frames, unusual spacing or escapes, named
// events) goes through the general ParsedTranscoder, i.e. the adapter's parser and the dialect's
// writer, so both paths answer the same. Forwarded events are parsed only at the end, and only if
// the provider never reported usage (tokenizer fallback).
import { SseDecoder, type SseEvent } from '../providers/common/sse-decoder.js';
import type { ProviderError, StreamParser } from '../providers/ports.js';
import type { ChatChunk, Usage } from './deps.js';
import type { StreamWriter } from './dialect.js';
import { CompletionTally } from './estimate.js';
import type { GatewayError } from './gateway-error.js';
import { ParsedTranscoder, type StreamTranscoder } from './stream-transcoder.js';

export interface PassthroughOptions {
  publicModel: string;
  /** chat.completion.chunk, or text_completion for legacy completions. */
  object: string;
  /** The client asked for the usage chunk (stream_options.include_usage). */
  includeUsage: boolean;
}

const MODEL_KEY = '"model":"';
const USAGE_KEY = '"usage"';
const USAGE_NULL = '"usage":null';
const CHOICES_KEY = '"choices":[';
const OUTPUT_KEYS = ['"content":"', '"text":"', '"reasoning_content":"', '"refusal":"'];

/** `"key":"` followed by at least one character of string value. */
function hasNonEmpty(data: string, key: string): boolean {
  let i = data.indexOf(key);
  while (i !== -1) {
    if (data.charCodeAt(i + key.length) !== 34 /* '"' */) return true;
    i = data.indexOf(key, i + key.length);
  }
  return false;
}

/** `text` without the `"usage":null` at `at` and the comma joining it to its neighbour (null when
 *  it has none: not a plain member of the object). */
function dropUsageNull(text: string, at: number): string | null {
  if (text.charCodeAt(at - 1) === 44 /* ',' */) return text.slice(0, at - 1) + text.slice(at + USAGE_NULL.length);
  if (text.charCodeAt(at + USAGE_NULL.length) === 44) return text.slice(0, at) + text.slice(at + USAGE_NULL.length + 1);
  return null;
}

export class OpenAiPassthrough implements StreamTranscoder {
  private readonly sse = new SseDecoder();
  private readonly general: ParsedTranscoder;
  /** Forwarded events, parsed only if the provider never reports usage. */
  private readonly forwarded: string[] = [];
  private readonly objectField: string;
  private readonly publicModelJson: string;
  /** A checked event prefix up to `"choices":[` and its client form (see forward()). */
  private prefix: string | null = null;
  private clientPrefix = '';
  /** The last event, when it was forwarded rather than seen by the writer. */
  private lastForwarded: string | null = null;
  private done = false;
  private finished = false;
  private output = false;

  constructor(
    parser: StreamParser<ChatChunk>,
    private readonly writer: StreamWriter,
    private readonly opts: PassthroughOptions,
  ) {
    this.general = new ParsedTranscoder(parser, writer);
    this.objectField = `"object":${JSON.stringify(opts.object)}`;
    this.publicModelJson = JSON.stringify(opts.publicModel).slice(1, -1);
  }

  push(part: Uint8Array | string): string {
    return this.handle(this.sse.push(part));
  }

  end(): string {
    return this.handle(this.sse.end()) + this.general.end();
  }

  private handle(events: SseEvent[]): string {
    let out = '';
    for (const ev of events) {
      if (this.done || this.general.error()) break;
      const fast = ev.event === null ? this.forward(ev.data) : null;
      if (fast !== null) {
        out += fast;
        continue;
      }
      const data = ev.data.trim();
      if (data === '[DONE]') {
        this.done = true;
        break;
      }
      if (data === '') continue;
      const framed = `${ev.event === null ? '' : `event: ${ev.event}\n`}data: ${ev.data.split('\n').join('\ndata: ')}\n\n`;
      this.lastForwarded = null;
      out += this.general.push(framed);
    }
    return out;
  }

  /** The client text for an event that needs no parsing, or null when it does. */
  private forward(data: string): string | null {
    const known = this.prefix;
    if (known !== null && data.startsWith(known)) return this.forwardRest(data, known.length);
    if (data.charCodeAt(0) !== 123 /* '{' */ || data.indexOf('\n') !== -1) return null;
    if (data.indexOf('"error"') !== -1) return null;
    const o = data.indexOf(this.objectField);
    if (o === -1) return null;
    const c = data.indexOf(CHOICES_KEY);
    if (c === -1) return null;
    const u = data.indexOf(USAGE_KEY);
    if (u !== -1 && (!data.startsWith(USAGE_NULL, u) || data.indexOf(USAGE_KEY, u + 1) !== -1)) return null;
    const m = data.indexOf(MODEL_KEY);
    if (m === -1) return null;
    const start = m + MODEL_KEY.length;
    const end = data.indexOf('"', start);
    if (end === -1 || data.indexOf(MODEL_KEY, end) !== -1) return null;
    const upstreamModel = data.slice(start, end);
    if (upstreamModel.indexOf('\\') !== -1) return null;

    const same = upstreamModel === this.publicModelJson;
    let text: string | null = same ? data : data.slice(0, start) + this.publicModelJson + data.slice(end);
    if (u !== -1 && !this.opts.includeUsage) {
      // The one `"usage":null`, where the model swap moved it (no second search of the text).
      const at = same || u < start ? u : u + this.publicModelJson.length - (end - start);
      text = dropUsageNull(text, at);
      if (text === null) return null;
    }
    if (!this.finished && data.indexOf('"finish_reason":"') !== -1) this.finished = true;
    if (known === null) {
      // Everything up to `"choices":[` (id, object, created, model…) was checked above: later
      // events that start with the same text need only their rest checked (forwardRest).
      const p = c + CHOICES_KEY.length;
      if (end < c && o + this.objectField.length <= p && (u === -1 || u > c)) {
        if (data.lastIndexOf('"finish_reason":"', c) === -1) {
          this.prefix = data.slice(0, p);
          this.clientPrefix = same ? this.prefix : data.slice(0, start) + this.publicModelJson + data.slice(end, p);
        }
      }
    }
    return this.accept(data, text);
  }

  /**
   * forward() for an event starting with the checked prefix. Every pattern forward() looks for
   * begins with a quote and the prefix ends with `[`, so none can straddle the boundary: checking
   * the rest answers the same as checking the whole event.
   */
  private forwardRest(data: string, n: number): string | null {
    if (data.indexOf('\n', n) !== -1 || data.indexOf('"error"', n) !== -1 || data.indexOf(MODEL_KEY, n) !== -1)
      return null;
    const u = data.indexOf(USAGE_KEY, n);
    if (u !== -1 && (!data.startsWith(USAGE_NULL, u) || data.indexOf(USAGE_KEY, u + 1) !== -1)) return null;
    let rest: string | null = data.slice(n);
    if (u !== -1 && !this.opts.includeUsage) {
      // Before the rest comes the prefix's closing `[`, never a comma.
      rest = dropUsageNull(rest, u - n);
      if (rest === null) return null;
    }
    if (!this.finished && data.indexOf('"finish_reason":"', n) !== -1) this.finished = true;
    return this.accept(data, this.clientPrefix + rest);
  }

  /** A forwarded event: output seen?, kept for the tokenizer fallback, framed for the client. */
  private accept(data: string, text: string): string {
    if (!this.output)
      this.output = OUTPUT_KEYS.some((k) => hasNonEmpty(data, k)) || data.indexOf('"tool_calls":[') !== -1;
    this.forwarded.push(data);
    this.lastForwarded = data;
    return `data: ${text}\n\n`;
  }

  sawOutput(): boolean {
    return this.output || this.general.sawOutput();
  }
  usage(): Usage | null {
    return this.general.usage();
  }
  error(): ProviderError | null {
    return this.general.error();
  }
  completed(): boolean {
    return this.done || this.finished || this.general.completed();
  }
  terminated(): boolean {
    return this.done || this.general.terminated();
  }
  producedTokens(model: string): number {
    const tally = new CompletionTally();
    for (const data of this.forwarded) tally.add(JSON.parse(data) as Record<string, unknown>);
    return tally.tokens(model) + this.general.producedTokens(model);
  }
  finish(usage: Usage, cost: string): string {
    // A usage chunk the writer synthesises takes id and created from the last chunk it saw.
    if (this.lastForwarded !== null && this.opts.includeUsage) {
      this.writer.chunk({ ...(JSON.parse(this.lastForwarded) as ChatChunk), model: this.opts.publicModel });
    }
    return this.general.finish(usage, cost);
  }
  fail(e: GatewayError): string {
    return this.general.fail(e);
  }
}

/** Byte passthrough when client and upstream both speak OpenAI's stream; the parsing path otherwise. */
export function openAiStreamTranscoder(
  passthrough: boolean,
  parser: StreamParser<ChatChunk>,
  writer: StreamWriter,
  opts: PassthroughOptions,
): StreamTranscoder {
  return passthrough ? new OpenAiPassthrough(parser, writer, opts) : new ParsedTranscoder(parser, writer);
}

const isSpace = (c: number): boolean => c === 32 || c === 10 || c === 13 || c === 9;
/** How far into a body the top-level "model" key is looked for (OpenAI sends it fourth). */
const MODEL_SCAN_LIMIT = 4096;

/** Index where the value of the top-level `"model"` key starts, or -1 when it is not found early
 *  on, or is spelled with escapes. Strings are skipped escape-aware, so only real keys count. */
function topLevelModelValue(text: string): number {
  const n = Math.min(text.length, MODEL_SCAN_LIMIT);
  let depth = 0;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 34 /* '"' */) {
      const start = i++;
      while (i < n) {
        const d = text.charCodeAt(i);
        if (d === 92 /* '\\' */) i += 2;
        else if (d === 34) break;
        else i++;
      }
      if (i >= n) return -1;
      if (depth !== 1 || i - start !== 6 || !text.startsWith('model', start + 1)) continue;
      let j = i + 1;
      while (isSpace(text.charCodeAt(j))) j++;
      if (text.charCodeAt(j) !== 58 /* ':' */) continue;
      j++;
      while (isSpace(text.charCodeAt(j))) j++;
      return j;
    } else if (c === 123 /* '{' */ || c === 91 /* '[' */) depth++;
    else if (c === 125 /* '}' */ || c === 93 /* ']' */) depth--;
  }
  return -1;
}

/** Another `"model":` key anywhere after `from` (nested or a duplicate): the caller backs off. */
function moreModelKeys(text: string, from: number): boolean {
  let i = text.indexOf('"model"', from);
  while (i !== -1) {
    let j = i + 7;
    while (isSpace(text.charCodeAt(j))) j++;
    if (text.charCodeAt(j) === 58) return true;
    i = text.indexOf('"model"', i + 7);
  }
  return false;
}

/**
 * Non-stream chat: the client body as the upstream's own bytes with the model name swapped for the
 * public one, when that is what re-serialising the parsed answer (parseOpenAIChatResponse, then the
 * OpenAI dialect's JSON.stringify) would say anyway: a string id, `object: chat.completion`, a
 * `created` time, a usage with counts or none, one `model` key holding a plainly spelled string.
 * Saves the JSON.stringify of every answer (the body is still parsed: shape check and usage).
 * `usage` is what the parse read from the body (null: none, or no counts, which the parse drops).
 * Null: render.
 */
export function forwardOpenAiChatResponse(
  text: string,
  json: unknown,
  publicModel: string,
  usage: Usage | null,
): string | null {
  const b = json as Record<string, unknown>;
  if (typeof b['id'] !== 'string' || b['object'] !== 'chat.completion') return null;
  const created = b['created'];
  if (typeof created !== 'number' || created === 0) return null;
  if (b['usage'] !== undefined && usage === null) return null;
  const model = b['model'];
  if (typeof model !== 'string') return null;
  const at = topLevelModelValue(text);
  if (at === -1) return null;
  const upstream = JSON.stringify(model);
  if (!text.startsWith(upstream, at)) return null;
  const end = at + upstream.length;
  if (moreModelKeys(text, end)) return null;
  return model === publicModel ? text : text.slice(0, at) + JSON.stringify(publicModel) + text.slice(end);
}
