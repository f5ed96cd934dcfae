// What the chaos tests share (chaos.int.test.ts: one OpenAI upstream; chaos-adapters.int.test.ts:
// every adapter × both client dialects): the upstream scenarios, the call plan, one call as its
// client saw it (OpenAI or Anthropic dialect), a bounded pool, the wait for the gateway to settle
// what clients left behind, and the check of what each client saw against its usage records.
import type { Selectable } from 'kysely';
import { request, type Agent } from 'undici';
import { expect, onTestFailed } from 'vitest';
import type { UsageRecordsTable } from '../../src/db/tables/metering.js';
import { parseMoney } from '../../src/shared/money.js';
import type { MockBehavior } from '../mock-upstream/index.js';
import { expectBooksReconcile, walletRow } from './books.js';
import type { World } from './world.js';

export type Rnd = () => number;
/** Replay a run with CHAOS_SEED=<n> (printed in the test names). */
export const SEED = Number(process.env['CHAOS_SEED'] ?? Date.now() % 1_000_000);
export const MAX_TOKENS = 32;
/** The tenant's monthly budget: roomy, so the wallet and the key budget are what run out. */
export const TENANT_BUDGET = parseMoney('1');
export const CHAOS_PRICING = { input_per_mtok: '2', output_per_mtok: '8' };
/** What a chaos call may answer: served, refused by a budget or rate limit, or an upstream failure. */
export const OK_STATUSES = [200, 402, 429, 502, 503, 504];
/** Short timeouts and back-off, breakers that reopen fast, leases that expire during the run. */
export const CHAOS_ENV = {
  UPSTREAM_TIMEOUT_MS: '2000',
  UPSTREAM_FIRST_BYTE_TIMEOUT_MS: '300',
  RETRY_BACKOFF_BASE_MS: '20',
  RETRY_BACKOFF_MAX_MS: '100',
  CIRCUIT_BREAKER_COOLDOWN_MS: '200',
  LEASE_TTL_SECONDS: '1',
};

export const between = (rnd: Rnd, lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** What the upstream does for one attempt (streams honour cutAfter/stallAfter/chunkDelayMs). */
export function scenario(rnd: Rnd): MockBehavior {
  const r = rnd();
  const chunks = between(rnd, 1, 8);
  if (r < 0.25) return { chunks, promptTokens: between(rnd, 5, 40) };
  if (r < 0.43) return { chunks: between(rnd, 4, 8), chunkDelayMs: between(rnd, 5, 20) };
  if (r < 0.53) return { status: 500 };
  if (r < 0.61) return { status: 429 };
  if (r < 0.68) return { hang: true };
  if (r < 0.76) return { chunks: 6, cutAfter: between(rnd, 0, 3) };
  if (r < 0.81) return { chunks: 6, stallAfter: between(rnd, 1, 3) };
  if (r < 0.88) return { garbage: 'json' };
  if (r < 0.96) return { chunks, noUsage: true };
  return { chunks, latencyMs: between(rnd, 50, 250) };
}

export interface Plan {
  i: number;
  stream: boolean;
  /** OpenAI dialect only (stream_options.include_usage). */
  includeUsage: boolean;
  /** Sent with the key that has its own budget. */
  capped: boolean;
  /** Client abort: after a delay, after N body chunks (streams), or never. */
  abortMs: number | null;
  abortChunks: number | null;
}

export function planCalls(rnd: Rnd, calls: number): Plan[] {
  return Array.from({ length: calls }, (_, i) => {
    const stream = rnd() < 0.5;
    const a = rnd();
    return {
      i,
      stream,
      includeUsage: stream && rnd() < 0.5,
      capped: rnd() < 0.5,
      abortMs: a < 0.15 ? between(rnd, 5, 400) : null,
      abortChunks: stream && a >= 0.15 && a < 0.3 ? between(rnd, 1, 3) : null,
    };
  });
}

/** POST /v1/chat/completions (OpenAI) or POST /v1/messages (Anthropic). */
export type ClientDialect = 'openai' | 'anthropic';

export interface Seen {
  plan: Plan;
  status: number | null;
  requestId: string | null;
  /** x-tollgate-cost: the header (JSON) or the trailer (streams read to the end). */
  cost: bigint | null;
  /** The error's code (OpenAI envelope; Anthropic's: the refusal named by its message, or its type). */
  code: string | null;
  /** The stream ended with its success marker ([DONE] / message_stop). */
  done: boolean;
  /** The whole body was read. */
  complete: boolean;
  aborted: boolean;
  error: string | null;
  /** The body as far as it was read. */
  body: string;
}

const NOTHING_YET = { done: false, complete: false, aborted: false, error: null, body: '' };
export const tag = (i: number) => `chaos-${i}`;
const header = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v) ?? null;

/** Anthropic's envelope has no code: the budget refusals are told apart by their message. */
const REFUSALS: [string, string][] = [
  ['insufficient wallet balance', 'insufficient_balance'],
  ['budget of this API key', 'key_budget_exceeded'],
];

function errorCode(dialect: ClientDialect, text: string): string {
  if (dialect === 'openai') return (JSON.parse(text) as { error: { code: string } }).error.code;
  const { error } = JSON.parse(text) as { error: { type: string; message: string } };
  return REFUSALS.find(([m]) => error.message.includes(m))?.[1] ?? error.type;
}

export interface CallShape {
  dialect: ClientDialect;
  model: string;
  maxTokens: number;
}

function requestBody(p: Plan, shape: CallShape): { path: string; body: object } {
  const content = `call ${p.i}: say something`;
  const stream = p.stream ? { stream: true } : {};
  if (shape.dialect === 'anthropic') {
    const body = { model: shape.model, max_tokens: shape.maxTokens, messages: [{ role: 'user', content }] };
    return { path: '/v1/messages', body: { ...body, metadata: { user_id: tag(p.i) }, ...stream } };
  }
  const body = {
    model: shape.model,
    messages: [{ role: 'user', content }],
    max_tokens: shape.maxTokens,
    user: tag(p.i),
    ...stream,
    ...(p.includeUsage ? { stream_options: { include_usage: true } } : {}),
  };
  return { path: '/v1/chat/completions', body };
}

export const post = (agent: Agent, url: string, secret: string, body: object, signal: AbortSignal, path?: string) =>
  request(`${url}${path ?? '/v1/chat/completions'}`, {
    dispatcher: agent,
    method: 'POST',
    headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal,
  });

/** One call of the plan, as its client saw it. */
export async function fire(agent: Agent, baseUrl: string, secret: string, p: Plan, shape: CallShape): Promise<Seen> {
  const seen: Seen = { plan: p, status: null, requestId: null, cost: null, code: null, ...NOTHING_YET };
  const ac = new AbortController();
  const abort = () => {
    seen.aborted = true;
    ac.abort();
  };
  const timer = p.abortMs === null ? null : setTimeout(abort, p.abortMs);
  const { path, body } = requestBody(p, shape);
  try {
    const res = await post(agent, baseUrl, secret, body, ac.signal, path);
    seen.status = res.statusCode;
    seen.requestId = header(res.headers['x-request-id']);
    const cost = header(res.headers['x-tollgate-cost']);
    if (cost !== null) seen.cost = parseMoney(cost);
    let chunks = 0;
    for await (const c of res.body) {
      seen.body += c.toString();
      if (p.abortChunks !== null && res.statusCode === 200 && ++chunks >= p.abortChunks) abort();
    }
    if (seen.aborted) return seen;
    seen.complete = true;
    seen.done = seen.body.includes(shape.dialect === 'openai' ? 'data: [DONE]' : 'event: message_stop');
    if (res.statusCode !== 200) seen.code = errorCode(shape.dialect, seen.body);
    const trailer = header(res.trailers['x-tollgate-cost']);
    if (p.stream && trailer !== null) seen.cost = parseMoney(trailer);
  } catch (e) {
    if (!seen.aborted) seen.error = String(e);
  } finally {
    if (timer) clearTimeout(timer);
  }
  return seen;
}

/** Every call of `plans`, `concurrency` at a time. */
export async function runPool<T>(plans: Plan[], concurrency: number, fn: (p: Plan) => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  let next = 0;
  const worker = async () => {
    while (next < plans.length) out.push(await fn(plans[next++]!));
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return out;
}

/** One line per call, in plan order (printed when a run fails). */
export function describeCalls(seen: readonly Seen[]): string {
  const line = (s: Seen) =>
    `#${s.plan.i} ${s.plan.stream ? 'stream' : 'json'} ${s.plan.capped ? 'capped' : 'open'} ` +
    `abort=${s.plan.abortMs ?? s.plan.abortChunks ?? '-'} → ${s.status ?? 'none'} ${s.code ?? ''} ` +
    `${s.requestId ?? ''} cost=${s.cost ?? '-'}${s.aborted ? ' aborted' : ''}${s.error ? ` ${s.error}` : ''}`;
  return [...seen]
    .sort((a, b) => a.plan.i - b.plan.i)
    .map(line)
    .join('\n');
}

/** Let the gateway finish what clients left behind (a call outlives its client by at most
 *  UPSTREAM_TIMEOUT_MS): wait until no reservation has been open for three looks in a row. */
export async function waitForReservations(budgets: { stats(): { reservations: number } }): Promise<void> {
  for (let quiet = 0, waited = 0; quiet < 3 && waited < 100; waited++) {
    quiet = budgets.stats().reservations === 0 ? quiet + 1 : 0;
    await sleep(100);
  }
  expect(budgets.stats().reservations, 'reservations left open after every call ended').toBe(0);
}

export type UsageRecord = Selectable<UsageRecordsTable>;

/** The records of each call, by the tag its `user` (OpenAI) / metadata.user_id (Anthropic) carried. */
export function recordsByTag(records: readonly UsageRecord[]): Map<string, UsageRecord[]> {
  const byTag = new Map<string, UsageRecord[]>();
  for (const r of records) {
    const t = String((JSON.parse(r.metadata ?? '{}') as { user?: string }).user);
    byTag.set(t, [...(byTag.get(t) ?? []), r]);
  }
  return byTag;
}

/**
 * What every client saw ↔ usage records: no client error, no unexpected status, no record of a
 * call never made; one record per 200, none per refusal, at most one per unanswered abort, on the
 * key the call used, at the cost the client was told, with the status its stream ended with.
 */
export function expectAnswersMatchRecords(
  seen: readonly Seen[],
  plans: readonly Plan[],
  records: readonly UsageRecord[],
  o: { okStatuses: readonly number[]; keyOf: (p: Plan) => string },
): void {
  expect(seen.filter((s) => s.error !== null).map((s) => `#${s.plan.i}: ${s.error}`)).toEqual([]);
  expect(seen.filter((s) => s.status !== null && !o.okStatuses.includes(s.status)).map((s) => s.status)).toEqual([]);
  const byTag = recordsByTag(records);
  expect([...byTag.keys()].filter((t) => !plans.some((p) => tag(p.i) === t))).toEqual([]);
  for (const s of seen) {
    const recs = byTag.get(tag(s.plan.i)) ?? [];
    const what = `call #${s.plan.i} (${s.plan.stream ? 'stream' : 'json'}, status ${s.status})`;
    // A 200 was answered (headers out) only after the upstream answered: exactly one charge.
    // Anything else was refused before any token: none. Unanswered aborts: at most one.
    if (s.status === null) expect(recs.length, what).toBeLessThanOrEqual(1);
    else expect(recs.length, what).toBe(s.status === 200 ? 1 : 0);
    const rec = recs[0];
    if (!rec) continue;
    expect(rec.request_id, what).toBe(s.requestId ?? rec.request_id);
    expect(rec.key_id, what).toBe(o.keyOf(s.plan));
    if (s.cost !== null) expect(rec.cost, what).toBe(s.cost);
    if (!s.complete) continue;
    expect(s.cost, `${what}: x-tollgate-cost`).not.toBeNull();
    expect(rec.status, what).toBe(!s.plan.stream || s.done ? 'success' : 'incomplete');
  }
}

/** A chaos run's set-up: the world's wallet funded with `topUp`, a monthly tenant budget and a key
 *  with its own total budget; `calls` planned calls with their upstream scenarios queued. */
export interface ChaosLoad {
  rnd: Rnd;
  calls: number;
  topUp: bigint;
  keyBudget: bigint;
  /** Calls in flight, drawn from [lo, hi]. */
  concurrency: [number, number];
  scenario: (rnd: Rnd) => MockBehavior;
  shape: CallShape;
  /** Prefix of the dump printed when the test fails. */
  label: string;
}

export interface ChaosRun {
  seen: Seen[];
  plans: Plan[];
  records: UsageRecord[];
  capped: { id: string };
  /** The wallet sampled every 50 ms while the calls ran. */
  samples: { balance: bigint; reserved: bigint }[];
}

/** Fire the calls, then let the gateway settle: reservations closed, usage written, leases back. */
export async function runChaosLoad(
  w: World,
  agent: Agent,
  mock: { enqueue(...b: MockBehavior[]): void },
  o: ChaosLoad,
): Promise<ChaosRun> {
  const db = w.t.db.kysely;
  const t = w.tenantId;
  await w.t.money.wallets.topUp(t, { amount: o.topUp, idempotencyKey: `chaos-${t}` });
  await w.t.budgets.admin.set({ kind: 'tenant', tenantId: t, subject: t, limit: TENANT_BUDGET, period: 'monthly' });
  const capped = await w.makeKey({ name: 'capped', budget: o.keyBudget, budget_period: 'total' });
  const plans = planCalls(o.rnd, o.calls);
  mock.enqueue(...Array.from({ length: o.calls * 4 }, () => o.scenario(o.rnd)));
  const concurrency = between(o.rnd, ...o.concurrency);

  let seen: Seen[] = [];
  onTestFailed(() => console.log(`${o.label} concurrency=${concurrency}\n${describeCalls(seen)}`));
  const samples: ChaosRun['samples'] = [];
  let running = true;
  const sampler = (async () => {
    for (; running; await sleep(50)) samples.push(await walletRow(db, t));
  })();
  seen = await runPool(plans, concurrency, (p) =>
    fire(agent, w.baseUrl, p.capped ? capped.secret : w.secret, p, o.shape),
  );
  running = false;
  await sampler;

  const budgets = w.t.budgets.budgets;
  await waitForReservations(budgets);
  await w.t.metering.pipeline.flush();
  await budgets.close();
  const records = await db.selectFrom('usage_records').selectAll().where('tenant_id', '=', t).execute();
  return { seen, plans, records, capped, samples };
}

/**
 * The run's money held: every answer against its record, the books reconciled exactly, the capped
 * key within its budget, the wallet never negative nor over-reserved while the calls ran; and the
 * run was the intended one (calls served, both the wallet and the key budget refusing some).
 */
export async function expectChaosRunHeld(w: World, run: ChaosRun, o: { topUp: bigint; keyBudget: bigint }) {
  const { seen, plans, records, capped, samples } = run;
  expectAnswersMatchRecords(seen, plans, records, {
    okStatuses: OK_STATUSES,
    keyOf: (p) => (p.capped ? capped.id : w.keyId),
  });
  await expectBooksReconcile(w.t.db.kysely, w.t.db.dialect, {
    tenantId: w.tenantId,
    topUp: o.topUp,
    records,
    keyScopes: [capped.id],
  });
  const capSpent = records.filter((r) => r.key_id === capped.id).reduce((a, r) => a + r.cost, 0n);
  expect(capSpent).toBeLessThanOrEqual(o.keyBudget);
  expect(samples.length).toBeGreaterThan(0);
  expect(samples.filter((s) => s.balance < 0n || s.reserved < 0n || s.reserved > s.balance)).toEqual([]);
  const codes = new Set(seen.map((s) => s.code));
  expect(seen.filter((s) => s.status === 200).length).toBeGreaterThan(0);
  expect([...codes].filter((x) => x === 'insufficient_balance' || x === 'key_budget_exceeded').sort()).toEqual([
    'insufficient_balance',
    'key_budget_exceeded',
  ]);
}
