// The chaos reconciliation (chaos.int.test.ts) for every provider adapter the mock upstream speaks
// — openai, azure-openai, anthropic, gemini — through both client dialects: POST
// /v1/chat/completions (OpenAI) and POST /v1/messages (Anthropic). Each run is a smaller
// randomized load on a fresh database (upstream 500s, 429s, hangs, cut and stalled streams,
// garbage, missing usage, plus what the wire formats differ on: cache and reasoning counts, tool
// calls, 503/529, late cuts and stalls; client aborts; a tight wallet and a key budget), then the
// same checks: every answer against its usage record (one per 200, none per refusal, at most one
// per unanswered abort, the cost the client was told in x-tollgate-cost — header for JSON, trailer
// for streams, the only place an Anthropic-dialect stream carries it — and the status the stream
// ended with), the usage told in-band against the usage billed, and the books reconciled exactly.
// SQLite runs the whole matrix; PostgreSQL every adapter once, in a client dialect drawn from the
// seed (printed). Replay with CHAOS_SEED=<seed>.
import { Agent } from 'undici';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { DialectName } from '../../src/db/database.js';
import { preloadTokenizer } from '../../src/providers/tokenizer/index.js';
import { parseMoney } from '../../src/shared/money.js';
import { startMockUpstream, type MockBehavior, type MockUpstream } from '../mock-upstream/index.js';
import { eachDialect } from '../support/db.js';
import { seededRandom } from '../support/seeded-random.js';
import {
  between,
  recordsByTag,
  scenario,
  tag,
  type ClientDialect,
  type Rnd,
  type Seen,
  type UsageRecord,
  CHAOS_ENV,
  CHAOS_PRICING,
  MAX_TOKENS,
  SEED,
  expectChaosRunHeld,
  runChaosLoad,
} from './chaos-support.js';
import { createWorld, type World } from './world.js';

// Both refusals must happen whatever the seed and the machine's timing. A refused call names the
// first scope that cannot cover it, and the wallet (0.006, ≈18 calls' upper bound) starts refusing
// as soon as the calls in flight hold most of what is left: with a key budget of a third of the
// wallet, a slow run could see the wallet squeezed before the capped key (half the calls) ran out,
// and every refusal named the wallet (CI, seed 982123). A key budget of ≈3 calls' upper bound is
// exceeded by the capped calls in flight from the start, while the wallet still has room; 120 calls
// then empty the wallet (90 sometimes did not).
const CALLS = 120;
const TOP_UP = parseMoney('0.006');
const KEY_BUDGET = parseMoney('0.001');

/**
 * The chaos scenarios, and a share of what sets the wire formats apart: cache and reasoning
 * counts (each format reports them its own way), tool calls, overloaded answers, a slow first
 * chunk, and streams cut or stalled late — after the last content, the usage or the end marker.
 */
function wideScenario(rnd: Rnd): MockBehavior {
  const r = rnd();
  if (r < 0.65) return scenario(rnd);
  const chunks = between(rnd, 1, 8);
  if (r < 0.73) {
    const [cachedTokens, cacheWriteTokens] = [between(rnd, 0, 12), between(rnd, 0, 12)];
    return { chunks, promptTokens: 40, cachedTokens, cacheWriteTokens, reasoningTokens: between(rnd, 0, chunks) };
  }
  if (r < 0.78) return { toolCall: true };
  if (r < 0.82) return { status: rnd() < 0.5 ? 503 : 529 };
  if (r < 0.87) return { chunks, ttftMs: between(rnd, 50, 450) };
  if (r < 0.94) return { chunks: 6, cutAfter: between(rnd, 4, 12) };
  return { chunks: 6, stallAfter: between(rnd, 4, 12) };
}

/** Each adapter's provider entry against the mock (as sdk.int.test.ts configures them). */
const UPSTREAMS = {
  openai: (url: string) => ({ type: 'openai', base_url: `${url}/v1` }),
  'azure-openai': (url: string) => ({ type: 'azure-openai', base_url: url, api_version: '2024-10-21' }),
  anthropic: (url: string) => ({ type: 'anthropic', base_url: `${url}/v1` }),
  gemini: (url: string) => ({ type: 'gemini', base_url: `${url}/v1beta` }),
};
type Adapter = keyof typeof UPSTREAMS;
const ADAPTERS = Object.keys(UPSTREAMS) as Adapter[];
const CLIENTS: ClientDialect[] = ['openai', 'anthropic'];

interface Combo {
  adapter: Adapter;
  client: ClientDialect;
  /** This run's own seed, derived from SEED and the combination. */
  seed: number;
}

const seedOf = (adapter: Adapter, client: ClientDialect) =>
  (SEED * 8 + ADAPTERS.indexOf(adapter) * 2 + CLIENTS.indexOf(client)) >>> 0;

/** SQLite: every adapter × client dialect; PostgreSQL: every adapter once, its dialect seeded. */
function matrixFor(db: DialectName): Combo[] {
  if (db === 'sqlite')
    return ADAPTERS.flatMap((adapter) => CLIENTS.map((client) => ({ adapter, client, seed: seedOf(adapter, client) })));
  const rnd = seededRandom(SEED);
  return ADAPTERS.map((adapter) => {
    const client = CLIENTS[rnd() < 0.5 ? 0 : 1]!;
    return { adapter, client, seed: seedOf(adapter, client) };
  });
}

/** The usage (and, OpenAI streams with include_usage, the cost) a client was told in-band. */
interface Told {
  prompt: number;
  completion: number;
  cost?: string;
}

const sseData = (body: string, event?: string): unknown[] =>
  body
    .split('\n\n')
    .filter((e) => event === undefined || e.startsWith(`event: ${event}\n`))
    .map((e) => /^data: (.*)$/m.exec(e)?.[1])
    .filter((d): d is string => d !== undefined && d !== '[DONE]')
    .map((d) => JSON.parse(d) as unknown);

type AnthropicUsage = {
  input_tokens: number;
  output_tokens: number;
  cache_read_input_tokens?: number;
  cache_creation_input_tokens?: number;
};
const fromAnthropic = (u: AnthropicUsage): Told => ({
  prompt: u.input_tokens + (u.cache_read_input_tokens ?? 0) + (u.cache_creation_input_tokens ?? 0),
  completion: u.output_tokens,
});
type OpenAiUsage = { prompt_tokens: number; completion_tokens: number };
const fromOpenAi = (u: OpenAiUsage, cost?: string): Told => ({
  prompt: u.prompt_tokens,
  completion: u.completion_tokens,
  ...(cost === undefined ? {} : { cost }),
});

/** In-band usage of a 200 read to the end; null where the dialect tells none (OpenAI streams
 *  without include_usage, OpenAI answers whose upstream reported none, failed streams); a string
 *  saying what is missing where it should have told some. */
function toldUsage(s: Seen, client: ClientDialect): Told | string | null {
  if (!s.plan.stream) {
    const body = JSON.parse(s.body) as { usage?: AnthropicUsage & OpenAiUsage };
    if (!body.usage) return null;
    return client === 'anthropic' ? fromAnthropic(body.usage) : fromOpenAi(body.usage);
  }
  if (!s.done) return null;
  if (client === 'anthropic') {
    const deltas = sseData(s.body, 'message_delta') as { usage: AnthropicUsage }[];
    return deltas.length === 1 ? fromAnthropic(deltas[0]!.usage) : `${deltas.length} message_delta events`;
  }
  if (!s.plan.includeUsage) return null;
  const last = sseData(s.body).at(-1) as { usage?: OpenAiUsage; tollgate?: { cost: string } } | undefined;
  return last?.usage ? fromOpenAi(last.usage, last.tollgate?.cost) : 'no usage chunk before [DONE]';
}

/** How a streamed 200 read to the end ended: its success marker, an error event, or neither. */
function streamEnding(s: Seen, client: ClientDialect): 'done' | 'error' | 'none' {
  if (s.done) return 'done';
  const events = sseData(s.body);
  const last = events.at(-1) as { type?: string; error?: unknown } | undefined;
  if (client === 'anthropic') return last?.type === 'error' ? 'error' : 'none';
  return last?.error !== undefined ? 'error' : 'none';
}

/** Beyond the shared check: what each completed 200 said in-band is what its record billed. */
function expectToldMatchesBilled(seen: readonly Seen[], records: readonly UsageRecord[], client: ClientDialect) {
  const byTag = recordsByTag(records);
  const wrong: string[] = [];
  for (const s of seen) {
    const rec = byTag.get(tag(s.plan.i))?.[0];
    if (s.status !== 200 || !s.complete || !rec) continue;
    const what = `#${s.plan.i} ${s.plan.stream ? 'stream' : 'json'} ${rec.request_id}`;
    if (s.plan.stream && streamEnding(s, client) === 'none') wrong.push(`${what}: no end marker, no error event`);
    const told = toldUsage(s, client);
    if (typeof told === 'string') wrong.push(`${what}: ${told}`);
    if (!told || typeof told === 'string') continue;
    const billed = { prompt: Number(rec.prompt_tokens), completion: Number(rec.completion_tokens) };
    const said = { prompt: told.prompt, completion: told.completion };
    if (JSON.stringify(said) !== JSON.stringify(billed))
      wrong.push(`${what}: told ${JSON.stringify(said)}, billed ${JSON.stringify(billed)}`);
    if (told.cost !== undefined && parseMoney(told.cost) !== rec.cost)
      wrong.push(`${what}: told cost ${told.cost}, billed ${rec.cost}`);
  }
  expect(wrong, 'in-band usage/cost ↔ record').toEqual([]);
}

eachDialect('gateway chaos across adapters and client dialects', (dialect) => {
  let mock: MockUpstream;
  const matrix = matrixFor(dialect);

  beforeAll(async () => {
    // Estimated usage (noUsage, cut streams) needs the BPE tokenizer: load it now, not mid-run.
    preloadTokenizer();
    mock = await startMockUpstream();
    console.log(`[${dialect}] CHAOS_SEED=${SEED}: ${matrix.map((c) => `${c.adapter}×${c.client}`).join(', ')}`);
  });
  afterAll(async () => {
    await mock?.close();
  });

  async function run(w: World, agent: Agent, c: Combo): Promise<void> {
    mock.reset();
    const load = { topUp: TOP_UP, keyBudget: KEY_BUDGET };
    const shape = { dialect: c.client, model: 'chaos', maxTokens: MAX_TOKENS };
    const r = await runChaosLoad(w, agent, mock, {
      ...load,
      rnd: seededRandom(c.seed),
      calls: CALLS,
      concurrency: [12, 16],
      scenario: wideScenario,
      shape,
      label: `[${dialect}] ${c.adapter}×${c.client} CHAOS_SEED=${SEED}`,
    });
    expectToldMatchesBilled(r.seen, r.records, c.client);
    await expectChaosRunHeld(w, r, load);
  }

  for (const c of matrix) {
    it(`${c.adapter} upstream × ${c.client} client, seed ${SEED}: money is never lost, doubled or overspent`, async () => {
      const deployment = (model: string) => ({ provider: 'up', model, timeout_ms: 400 });
      const w = await createWorld({
        catalog: {
          providers: [{ id: 'up', api_key: 'sk-x', ...UPSTREAMS[c.adapter](mock.url) }],
          models: [
            { name: 'chaos', deployments: [deployment('primary'), deployment('secondary')], pricing: CHAOS_PRICING },
          ],
        },
        dialect,
        env: CHAOS_ENV,
      });
      const agent = new Agent();
      try {
        await run(w, agent, c);
      } finally {
        // The calls' connections first: one opened for a call aborted while connecting never
        // sends a byte, and the server's close would wait for it (headersTimeout).
        await agent.destroy();
        await w.close();
      }
    });
  }
});
