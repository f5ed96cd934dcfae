// A randomized end-to-end money reconciliation through the real gateway, on SQLite and PostgreSQL:
// a few hundred concurrent chat calls (JSON and streams, two keys, one with its own budget) against
// one model with two deployments on a mock upstream that answers, fails (500, 429), hangs, cuts or
// stalls streams, sends garbage or omits usage, while clients abort some calls; the prepaid wallet
// covers only part of the load. Afterwards money must be neither lost, doubled nor overspent:
// records ↔ what clients saw ↔ ledger ↔ wallet ↔ budget counters ↔ rollups, exactly.
// Replay a run with CHAOS_SEED=<seed> (the seed is in the test name; upstream scenarios are drawn
// in arrival order, so concurrency can still shuffle which call meets which scenario).
import Sqlite from 'better-sqlite3';
import pg from 'pg';
import { Agent } from 'undici';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { preloadTokenizer } from '../../src/providers/tokenizer/index.js';
import { parseMoney } from '../../src/shared/money.js';
import { startMockUpstream, type MockUpstream } from '../mock-upstream/index.js';
import { eachDialect, TEST_PG_URL } from '../support/db.js';
import { createWorld, mockProvider, type World } from './world.js';
import { seededRandom } from '../support/seeded-random.js';
import {
  post,
  scenario,
  sleep,
  CHAOS_ENV,
  CHAOS_PRICING,
  MAX_TOKENS,
  SEED,
  expectChaosRunHeld,
  runChaosLoad,
} from './chaos-support.js';

const CALLS = 300;
const TOP_UP = parseMoney('0.013');
const KEY_BUDGET = parseMoney('0.004');
const CALL = { dialect: 'openai', model: 'chaos', maxTokens: MAX_TOKENS } as const;

eachDialect('gateway chaos reconciliation', (dialect) => {
  let mock: MockUpstream;
  let w: World;
  let agent: Agent;

  beforeAll(async () => {
    agent = new Agent();
    // Estimated usage (noUsage, cut streams) needs the BPE tokenizer: load it now, not mid-run.
    preloadTokenizer();
    mock = await startMockUpstream();
    const deployment = (model: string) => ({ provider: 'up', model, timeout_ms: 400 });
    w = await createWorld({
      catalog: {
        providers: [mockProvider(mock, 'openai', 'up')],
        models: [
          { name: 'chaos', deployments: [deployment('primary'), deployment('secondary')], pricing: CHAOS_PRICING },
        ],
      },
      dialect,
      env: CHAOS_ENV,
    });
  });
  afterAll(async () => {
    // The calls' own connection pool first: a connection opened for a call aborted while
    // connecting never sends a byte, and the server's close would wait for it (headersTimeout).
    await agent?.destroy();
    await w?.close();
    await mock?.close();
  });

  /** Hold the tenant's wallet row (PostgreSQL) / the write lock (SQLite) until the returned unlock. */
  async function lockWallet(v: World): Promise<() => Promise<void>> {
    if (dialect === 'sqlite') {
      const conn = new Sqlite(v.t.db.file!);
      conn.exec('begin immediate');
      return async () => void conn.exec('commit').close();
    }
    const conn = new pg.Client({ connectionString: TEST_PG_URL, options: `-c search_path=${v.t.db.pgSchema}` });
    await conn.connect();
    await conn.query('begin');
    await conn.query('select 1 from wallets where tenant_id = $1 for update', [v.tenantId]);
    return async () => {
      await conn.query('commit');
      await conn.end();
    };
  }

  // Found by the chaos run (on PostgreSQL about a third of the calls aborted before any answer were
  // charged as 'success'): the call's disconnect signal listens for 'close' only from after
  // admission, so a client gone while its reservation waited still has its call sent and billed.
  it('a client that leaves while its call waits for the wallet: no upstream call, no charge', async () => {
    const v = await createWorld({
      catalog: {
        providers: [mockProvider(mock, 'openai', 'up')],
        models: [{ name: 'chaos', deployments: [{ provider: 'up', model: 'primary' }], pricing: CHAOS_PRICING }],
      },
      dialect,
      wallet: '1',
    });
    try {
      mock.reset();
      const unlock = await lockWallet(v);
      const ac = new AbortController();
      const body = { model: 'chaos', messages: [{ role: 'user', content: 'hi' }], max_tokens: 8 };
      const call = post(agent, v.baseUrl, v.secret, body, ac.signal).catch(() => null);
      await sleep(300); // the call now waits for the wallet (its reservation)
      ac.abort();
      expect(await call).toBeNull();
      await sleep(100); // the server has seen the connection close
      await unlock();
      await sleep(300);
      await v.t.metering.pipeline.flush();
      const records = await v.t.db.kysely.selectFrom('usage_records').select(['request_id', 'status']).execute();
      expect({ upstream: mock.count('/v1/chat/completions'), records }).toEqual({ upstream: 0, records: [] });
    } finally {
      await v.close();
    }
  });

  it(`seed ${SEED}: money is never lost, doubled or overspent`, async () => {
    const load = { topUp: TOP_UP, keyBudget: KEY_BUDGET };
    const run = await runChaosLoad(w, agent, mock, {
      ...load,
      rnd: seededRandom(SEED),
      calls: CALLS,
      concurrency: [16, 24],
      scenario,
      shape: CALL,
      label: `[${dialect}] CHAOS_SEED=${SEED}`,
    });
    await expectChaosRunHeld(w, run, load);
  });
});
