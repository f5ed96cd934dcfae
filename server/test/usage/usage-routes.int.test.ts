// GET /api/v1/usage through the whole app: pages that hold when many calls share a timestamp,
// cursors and date bounds that are refused (400) rather than failing (500), and a date-only `to`
// that includes its day (as the transaction and consumption filters do).
import { afterAll, beforeAll, expect, it } from 'vitest';
import { systemContext } from '../../src/identity/context.js';
import { SUPER_ADMIN, createTestApp, type TestApp } from '../support/app.js';
import { eachDialect } from '../support/db.js';

const DAY = '2025-03-14';
const NOON = Date.parse(`${DAY}T12:00:00Z`);

eachDialect('usage log routes', (dialect) => {
  let t: TestApp;
  let tenantId = '';
  let root = '';

  const get = (url: string) => t.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${root}` } });

  /** A stored usage record (what the metering batch writes), at `startedAt`. */
  const record = (n: number, startedAt: number) => ({
    id: `use_test_${String(n).padStart(3, '0')}`,
    request_id: `req_test_${n}`,
    tenant_id: tenantId,
    user_id: null,
    key_id: null,
    agent: null,
    conversation_id: null,
    conversation_title: null,
    project: null,
    provider: null,
    deployment_id: null,
    model: 'gpt-4o',
    prompt_tokens: 1,
    completion_tokens: 1,
    cached_tokens: 0,
    cache_write_tokens: 0,
    reasoning_tokens: 0,
    total_tokens: 2,
    cost: 1_000n,
    provider_cost: null,
    price_id: null,
    multiplier_ppm: null,
    latency_ms: null,
    ttft_ms: null,
    status: 'success' as const,
    usage_source: 'provider' as const,
    source: 'http' as const,
    stream: 0,
    started_at: startedAt,
    ended_at: startedAt,
    metadata: null,
    content_hash: `h${n}`,
    created_at: startedAt,
    transaction_id: null,
  });

  beforeAll(async () => {
    t = await createTestApp(dialect);
    tenantId = (await t.identity.tenants.create({ name: 'Usage Co' }, systemContext)).id;
    const login = await t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: SUPER_ADMIN });
    root = login.json<{ token: string }>().token;
    // Seven calls in the same millisecond at noon, and one in the last millisecond of the day.
    const rows = Array.from({ length: 7 }, (_, i) => record(i, NOON));
    rows.push(record(7, Date.parse(`${DAY}T23:59:59.999Z`)));
    await t.db.kysely.insertInto('usage_records').values(rows).execute();
  });
  afterAll(async () => t.close());

  it('pages through calls that share one timestamp without losing or repeating any', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let pages = 0; pages < 10; pages++) {
      const url = `/api/v1/usage?tenant_id=${tenantId}&limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const res = await get(url);
      expect(res.statusCode, res.body).toBe(200);
      const page = res.json<{ items: { request_id: string }[]; next_cursor: string | null }>();
      seen.push(...page.items.map((i) => i.request_id));
      cursor = page.next_cursor;
      if (!cursor) break;
    }
    expect(seen).toHaveLength(8);
    expect(new Set(seen).size).toBe(8);
  });

  it('refuses a cursor whose time is out of range with a 400 naming it, not a 500', async () => {
    for (const cursor of ['99999999999999999999999:use_x', '18446744073709551616:use_x', 'abc']) {
      const res = await get(`/api/v1/usage?tenant_id=${tenantId}&cursor=${encodeURIComponent(cursor)}`);
      expect(res.statusCode, `${cursor}: ${res.body}`).toBe(400);
      expect(res.json().error.field).toBe('cursor');
    }
  });

  it('a date-only `to` includes that whole UTC day; a date-time `to` stays exclusive', async () => {
    const count = async (query: string) => {
      const res = await get(`/api/v1/usage?tenant_id=${tenantId}&limit=50&${query}`);
      expect(res.statusCode, res.body).toBe(200);
      return res.json<{ items: unknown[] }>().items.length;
    };
    expect(await count(`from=${DAY}&to=${DAY}`)).toBe(8);
    expect(await count(`to=${DAY}`)).toBe(8);
    expect(await count(`to=${DAY}T12:00:00Z`)).toBe(0);
    expect(await count(`to=${NOON}`)).toBe(0);
    expect(await count(`from=${DAY}T12:00:00.001Z&to=2025-03-15`)).toBe(1);
  });

  it('refuses a range that ends before it starts, naming `to`', async () => {
    const res = await get(`/api/v1/usage?tenant_id=${tenantId}&from=2025-03-15&to=2025-03-01`);
    expect(res.statusCode).toBe(400);
    expect(res.json().error.field).toBe('to');
  });
});
