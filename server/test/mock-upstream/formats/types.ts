// One wire format of the mock: how it renders a reply, a stream and an error.
import type { TokenCounts } from '../../../src/pricing/ports.js';
import type { MockBehavior } from '../behavior.js';

export interface ReplyInput {
  model: string;
  behavior: MockBehavior;
  usage: TokenCounts;
  /** OpenAI: the request asked for stream_options.include_usage. */
  includeUsage: boolean;
}

export interface WireFormat {
  /** Non-stream success body. */
  chat(input: ReplyInput): unknown;
  /** Stream: complete SSE events (each ends with a blank line); stallAfter / cutAfter = N keep the
   *  first `lead` events plus N more. */
  stream(input: ReplyInput): { events: string[]; lead: number };
  error(status: number, message: string): unknown;
  /** The SSE event a stream carries when the provider fails mid-way (errorAfter). */
  streamError(message: string): string;
}

export const sse = (data: unknown, event?: string): string =>
  `${event ? `event: ${event}\n` : ''}data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`;
