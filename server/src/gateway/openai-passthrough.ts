// The fast stream path for OpenAI-format upstreams (openai, azure-openai) talking to OpenAI
// clients: an event that already is a canonical chunk is forwarded as the bytes it came in, with
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

export class OpenAiPassthrough implements StreamTranscoder {
  private readonly sse = new SseDecoder();
  private readonly general: ParsedTranscoder;
  /** Forwarded events, parsed only if the provider never reports usage. */
  private readonly forwarded: string[] = [];
  private readonly objectField: string;
  private readonly publicModelJson: string;
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
    if (data.charCodeAt(0) !== 123 /* '{' */ || data.indexOf('\n') !== -1) return null;
    if (data.indexOf('"error"') !== -1 || data.indexOf(this.objectField) === -1) return null;
    if (data.indexOf('"choices":[') === -1) return null;
    const u = data.indexOf(USAGE_KEY);
    if (u !== -1 && (!data.startsWith(USAGE_NULL, u) || data.indexOf(USAGE_KEY, u + 1) !== -1)) return null;
    const m = data.indexOf(MODEL_KEY);
    if (m === -1) return null;
    const start = m + MODEL_KEY.length;
    const end = data.indexOf('"', start);
    if (end === -1 || data.indexOf(MODEL_KEY, end) !== -1) return null;
    const upstreamModel = data.slice(start, end);
    if (upstreamModel.indexOf('\\') !== -1) return null;

    let text =
      upstreamModel === this.publicModelJson ? data : data.slice(0, start) + this.publicModelJson + data.slice(end);
    if (u !== -1 && !this.opts.includeUsage) {
      const at = text.indexOf(USAGE_NULL);
      if (text.charCodeAt(at - 1) === 44 /* ',' */) text = text.slice(0, at - 1) + text.slice(at + USAGE_NULL.length);
      else if (text.charCodeAt(at + USAGE_NULL.length) === 44)
        text = text.slice(0, at) + text.slice(at + USAGE_NULL.length + 1);
      else return null;
    }
    if (!this.finished && data.indexOf('"finish_reason":"') !== -1) this.finished = true;
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
