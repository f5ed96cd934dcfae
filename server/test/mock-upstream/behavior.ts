// What the mock upstream does for one request, and the usage it will report. Behaviour comes from
// (lowest to highest precedence) the server's defaults, the next scripted scenario in its queue,
// and the request's `x-mock-behavior` header (`status=429;retryAfter=2` or a JSON object).
import type { TokenCounts } from '../../src/pricing/ports.js';

export interface MockBehavior {
  /** Answer with this HTTP error status and a provider-shaped error body (429, 500, 503, 529…). */
  status?: number;
  /** Seconds, sent as Retry-After with an error status. */
  retryAfter?: number;
  /** Delay before the response headers. */
  latencyMs?: number;
  /** Streams: delay between the headers and the first chunk. */
  ttftMs?: number;
  /** Streams: delay between chunks. */
  chunkDelayMs?: number;
  /** Number of content pieces (default 3); also the default completion token count. */
  chunks?: number;
  /** Reply text; split into `chunks` pieces. Default: "w0 w1 w2 …". */
  text?: string;
  /** Reply with a get_weather tool call instead of text. */
  toolCall?: boolean;
  promptTokens?: number;
  completionTokens?: number;
  cachedTokens?: number;
  cacheWriteTokens?: number;
  reasoningTokens?: number;
  /** Accept the request and never answer (tests the gateway's timeouts). */
  hang?: boolean;
  /** Streams: send this many content chunks, then stall forever. */
  stallAfter?: number;
  /** Streams: after the last event, wait this long before ending the body (the chunked terminator
   *  then comes in a later read than the final marker, as it often does over a real network). */
  endDelayMs?: number;
  /** Streams: send this many content chunks, then cut the connection. */
  cutAfter?: number;
  /** Streams: send this many content chunks, then the provider's mid-stream error event (an
   *  overload, as each provider words it), then end the body. */
  errorAfter?: number;
  /** `json`: a 200 with an invalid JSON body; `sse`: a stream whose events are not JSON. */
  garbage?: 'json' | 'sse';
  /** Report no usage (streams: no usage chunk / usage fields). */
  noUsage?: boolean;
  /** The answer stopped at this stop sequence (Anthropic: stop_reason `stop_sequence` naming it;
   *  OpenAI and Gemini report a plain stop, as they do). */
  stopSequence?: string;
}

export const DEFAULT_PROMPT_TOKENS = 10;
export const DEFAULT_CHUNKS = 3;

const NUMERIC = new Set([
  'status',
  'retryAfter',
  'latencyMs',
  'ttftMs',
  'chunkDelayMs',
  'chunks',
  'promptTokens',
  'completionTokens',
  'cachedTokens',
  'cacheWriteTokens',
  'reasoningTokens',
  'stallAfter',
  'cutAfter',
  'errorAfter',
  'endDelayMs',
]);
const BOOLEAN = new Set(['toolCall', 'hang', 'noUsage']);

/** `status=429;retryAfter=2;noUsage` or `{"status":429}`. Unknown keys are ignored. */
export function parseBehaviorHeader(value: string | undefined): MockBehavior {
  if (!value) return {};
  const v = value.trim();
  if (v.startsWith('{')) {
    try {
      return JSON.parse(v) as MockBehavior;
    } catch {
      return {};
    }
  }
  const out: Record<string, unknown> = {};
  for (const pair of v.split(/[;,]/)) {
    const [k = '', raw] = pair.split('=').map((s) => s.trim());
    if (NUMERIC.has(k)) out[k] = Number(raw);
    else if (BOOLEAN.has(k)) out[k] = raw === undefined || raw === 'true' || raw === '1';
    else if (k === 'text' || k === 'stopSequence') out[k] = raw ?? '';
    else if (k === 'garbage') out[k] = raw === 'sse' ? 'sse' : 'json';
  }
  return out as MockBehavior;
}

/** The usage the mock reports for a behaviour, in Tollgate's normalised (OpenAI) convention:
 *  every adapter parsing the mock's answer must arrive at exactly these numbers. */
export function expectedMockUsage(
  b: MockBehavior = {},
  format?: 'openai' | 'azure' | 'anthropic' | 'gemini',
): TokenCounts {
  return {
    promptTokens: b.promptTokens ?? DEFAULT_PROMPT_TOKENS,
    completionTokens: b.completionTokens ?? b.chunks ?? DEFAULT_CHUNKS,
    cachedTokens: b.cachedTokens ?? 0,
    // Gemini has no cache writes; Anthropic reports no separate reasoning count.
    cacheWriteTokens: format === 'gemini' ? 0 : (b.cacheWriteTokens ?? 0),
    reasoningTokens: format === 'anthropic' ? 0 : (b.reasoningTokens ?? 0),
  };
}

/** The reply's text pieces (joined, the whole reply). */
export function mockPieces(b: MockBehavior = {}): string[] {
  const n = Math.max(1, b.chunks ?? DEFAULT_CHUNKS);
  if (b.text === undefined) return Array.from({ length: n }, (_, i) => (i === 0 ? 'w0' : ` w${i}`));
  const size = Math.ceil(b.text.length / n) || 1;
  const out: string[] = [];
  for (let i = 0; i < b.text.length; i += size) out.push(b.text.slice(i, i + size));
  return out.length > 0 ? out : [''];
}

export function mockText(b: MockBehavior = {}): string {
  return mockPieces(b).join('');
}

export const MOCK_TOOL_CALL = { id: 'call_mock_1', name: 'get_weather', arguments: '{"city":"Paris"}' } as const;

/** The thought signature the Gemini format puts on its functionCall parts, as Gemini 3 does. */
export const MOCK_THOUGHT_SIGNATURE = 'bW9jay10aG91Z2h0LXNpZ25hdHVyZQ==';
