// Client side of the gateway crash test (crash.int.test.ts): what one call saw (status, request id,
// the cost it was told, when it finished or failed), and polling.
import { request, type Agent } from 'undici';
import { parseMoney } from '../../src/shared/money.js';

export interface Call {
  i: number;
  /** The call's `user` field, kept in its usage record's metadata. */
  tag: string;
  stream: boolean;
  /** stream_options.include_usage: the final usage chunk carries the cost too. */
  includeUsage: boolean;
  /** Sent with the key that has its own budget. */
  capped: boolean;
  status: number | null;
  requestId: string | null;
  /** x-tollgate-cost: the header (JSON) or the trailer (streams), once the answer was read in full. */
  cost: bigint | null;
  /** The cost in the final usage chunk (include_usage streams). */
  chunkCost: bigint | null;
  /** The whole answer was received (a stream: up to [DONE] and its trailer). */
  complete: boolean;
  /** performance.now() when the answer was complete / when the call failed. */
  finishedAt: number;
  failedAt: number;
  error: string | null;
}

/** Two streams in three (one of them with include_usage), every other call on the capped key. */
export function planCall(i: number): Call {
  return {
    i,
    tag: `crash-${i}`,
    stream: i % 3 !== 0,
    includeUsage: i % 3 === 2,
    capped: i % 2 === 1,
    status: null,
    requestId: null,
    cost: null,
    chunkCost: null,
    complete: false,
    finishedAt: NaN,
    failedAt: NaN,
    error: null,
  };
}

const header = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v) ?? null;

/** The `tollgate.cost` of the stream's usage chunk, if any. */
function usageChunkCost(text: string): bigint | null {
  for (const event of text.split('\n\n')) {
    const data = event.startsWith('data: ') ? event.slice(6) : '';
    if (!data.startsWith('{')) continue;
    const cost = (JSON.parse(data) as { tollgate?: { cost?: string } }).tollgate?.cost;
    if (cost !== undefined) return parseMoney(cost);
  }
  return null;
}

/** Send the call and fill in what the client saw; never throws. */
export async function fireCall(agent: Agent, baseUrl: string, secret: string, c: Call): Promise<void> {
  const body = {
    model: 'crash',
    messages: [{ role: 'user', content: `call ${c.i}: say something` }],
    max_tokens: 32,
    user: c.tag,
    ...(c.stream ? { stream: true } : {}),
    ...(c.includeUsage ? { stream_options: { include_usage: true } } : {}),
  };
  try {
    const res = await request(`${baseUrl}/v1/chat/completions`, {
      dispatcher: agent,
      method: 'POST',
      headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    c.status = res.statusCode;
    c.requestId = header(res.headers['x-request-id']);
    let text = '';
    for await (const chunk of res.body) text += (chunk as Buffer).toString();
    if (res.statusCode !== 200) throw new Error(`status ${res.statusCode}: ${text}`);
    const cost = header(c.stream ? res.trailers['x-tollgate-cost'] : res.headers['x-tollgate-cost']);
    if (cost === null) throw new Error('no x-tollgate-cost');
    if (c.stream && !text.includes('data: [DONE]')) throw new Error('stream without [DONE]');
    c.chunkCost = c.includeUsage ? usageChunkCost(text) : null;
    if (c.includeUsage && c.chunkCost === null) throw new Error('no cost in the usage chunk');
    c.cost = parseMoney(cost);
    c.finishedAt = performance.now();
    c.complete = true;
  } catch (e) {
    c.failedAt = performance.now();
    c.error = String(e);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Poll `cond` every 20 ms until it holds; fail after `timeoutMs`. */
export async function until(what: string, cond: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const end = performance.now() + timeoutMs;
  while (!(await cond())) {
    if (performance.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(20);
  }
}
