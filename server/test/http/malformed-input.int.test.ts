// Bad input never gives a 500 or a stack trace, on every route the app registers (enumerated from
// app.routeTable, so a route added later is covered): broken, wrong-typed and oversize bodies,
// unknown and garbage ids, wrong query strings, each with valid credentials for every caller the
// route admits; and missing or bogus credentials, NUL characters and lone surrogates included. Each
// answer is the status the case allows, with a JSON error message when it is a 4xx. On SQLite and
// PostgreSQL (which refuses NUL in text: the same input must not become a 500 there).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_SECRET_KEY, BILLING_API_KEY, createTestApp, type TestApp } from '../support/app.js';
import { eachDialect } from '../support/db.js';
import {
  DEEP,
  HUGE,
  makeWorld,
  problemsOf,
  surveyRoutes,
  wrongValue,
  type ApiRoute,
  type Caller,
  type Reply,
  type World,
} from './api-surface.js';

const ROUTES = await surveyRoutes();

// Ends every session of its caller: each call gets a fresh session of a throwaway person.
const ENDS_SESSION = new Set(['/api/v1/auth/logout-all']);
const JSON_TYPE = { 'content-type': 'application/json' };

/** [what, body, allowed statuses, names a 400 must mention (one of)]; `oversize` is a body past the route's limit. */
function bodyCases(r: ApiRoute, oversize: string): [string, string, readonly number[], string[]][] {
  // Values as JSON text: DEEP is too deep for JSON.stringify.
  const fields = Object.keys(r.fields);
  const mapFields = (json: (name: string) => string) => `{${fields.map((k) => `${JSON.stringify(k)}:${json(k)}`)}}`;
  // Routes that read no body ignore whatever comes (their ids are unknown here, hence 404).
  const refused = r.body === 'none' ? [200, 201, 204, 404] : [400];
  return [
    ['invalid JSON', '{"name": "x",', [400], ['JSON']],
    // No body under a JSON content type (what fetch wrappers and cron jobs send to actions): a
    // request without a body, not malformed JSON.
    ['an empty body', '', refused, r.body === 'none' ? [] : ['body']],
    ['a JSON array', '[1,"two",{}]', refused, ['body']],
    ['a JSON string', '"just a string"', refused, ['body']],
    ['null', 'null', refused, ['body', ...fields]],
    ['every field of the wrong type', mapFields((k) => JSON.stringify(wrongValue(r.fields[k] ?? {}))), refused, fields],
    ['every field a huge string', mapFields(() => JSON.stringify(HUGE)), refused, fields],
    ['every field nested 5000 deep', mapFields(() => DEEP), refused, ['body', ...fields]],
    ['a __proto__ key', '{"__proto__":{"isAdmin":true}}', [400], []],
    ['a constructor.prototype key', '{"constructor":{"prototype":{"isAdmin":true}}}', [400], []],
    ['an oversize body', oversize, [413], []],
  ];
}

const label = (r: ApiRoute) => `${r.method} ${r.url}`;
const withBody = ROUTES.filter((r) => ['POST', 'PUT', 'PATCH'].includes(r.method));
const withParams = ROUTES.filter((r) => /[:*]/.test(r.url));
const gets = ROUTES.filter((r) => r.method === 'GET');
const guarded = ROUTES.filter((r) => !r.callers.includes('anon'));

it('enumerates the routes of every module from the app itself', () => {
  const urls = new Set(ROUTES.map(label));
  for (const r of ['POST /api/v1/admin/tenants', 'PATCH /api/v1/keys/:id', 'POST /v1/chat/completions'])
    expect(urls).toContain(r);
  for (const r of ['POST /api/log-usage', 'PUT /api/v1/budgets', 'GET /api/v1/usage', 'POST /api/v1/admin/models'])
    expect(urls).toContain(r);
  expect(withBody.length).toBeGreaterThan(30);
});

// Unknown, NUL (PostgreSQL text cannot hold it), too long for the router, unicode, broken
// percent-encoding (a lone surrogate's and an overlong NUL's bytes), path tricks, SQL.
const IDS = [
  'does_not_exist',
  'ten_00000000000000000000000000',
  '%00',
  'usr_%00x',
  '%ED%A0%80',
  '%C0%80',
  'x'.repeat(99),
  'x'.repeat(2_000),
  encodeURIComponent('ünïcødé-😀-名前'),
  '%E0%A4%A',
  '..%2F..%2Fetc%2Fpasswd',
  "'%20OR%201%3D1--",
  '-1',
];

/** Query strings to try on a GET route: its own parameters with wrong values, and generic noise.
 *  `base` is the status without a query: what an ignored parameter must leave unchanged. */
function queryCases(r: ApiRoute, base: number): [string, readonly number[], string?][] {
  const cases: [string, readonly number[], string?][] = [
    ['limit=abc&from=notadate&startDate=yesterday', [base, 400]],
    [`unknown=${'z'.repeat(4_000)}&a[b][c]=1&=&&`, [base]],
    ['unknown=%00&%00=%ED%A0%80', [base]],
  ];
  const isDate = (name: string, s: { format?: string }) =>
    /^(from|to|startDate|endDate|since|until)$/.test(name) || /date/.test(s.format ?? '');
  for (const [name, s] of Object.entries(r.query)) {
    const type = s.type ?? s.anyOf?.map((a) => a.type).find((x) => x && x !== 'null');
    const hasEnum = Boolean(s.enum ?? s.anyOf?.some((a) => a.enum));
    if (type === 'integer' || type === 'number') {
      for (const v of ['abc', '-1', '1.5', '1e400', '99999999999999999999']) cases.push([`${name}=${v}`, [400], name]);
    } else if (hasEnum) {
      cases.push([`${name}=not-a-value`, [400], name]);
    } else if (isDate(name, s)) {
      for (const v of ['notadate', '2024-13-45', '2023-02-29', '-1', '99999999999999999999'])
        cases.push([`${name}=${v}`, [400], name]);
    } else {
      cases.push([`${name}=%00${encodeURIComponent('😀')}${'q'.repeat(600)}`, [base, 400, 404], name]);
    }
    // NUL in every parameter, whatever its type, is refused (PostgreSQL text cannot hold it); the
    // bytes of a lone surrogate or of an overlong NUL decode to replacement characters.
    for (const v of ['%00', 'a%00b', '1%00']) cases.push([`${name}=${v}`, [400], name]);
    for (const v of ['%ED%A0%80', '%C0%80']) cases.push([`${name}=${v}`, [base, 400, 404], name]);
    cases.push([`${name}=1&${name}=2`, [base, 400, 404], name]);
  }
  return cases;
}

const BOGUS: [string, Record<string, string>][] = [
  ['no credentials', {}],
  ['a garbage bearer token', { authorization: 'Bearer not.a.jwt' }],
  ['an unsigned JWT', { authorization: 'Bearer eyJhbGciOiJub25lIn0.eyJ1c2VySWQiOiJ4Iiwic2lkIjoieSJ9.' }],
  ['a huge bearer token', { authorization: `Bearer ${'A'.repeat(8_000)}` }],
  ['a Basic header', { authorization: 'Basic cm9vdDpyb290' }],
  ['a wrong API key', { 'x-api-key': 'tg-wrong' }],
  ['an empty admin key', { 'x-admin-key': '' }],
  ['a NUL in the API key', { 'x-api-key': `${BILLING_API_KEY}\u0000` }],
  ['a NUL in the admin key', { 'x-admin-key': `\u0000${ADMIN_SECRET_KEY}` }],
  ['a NUL in the bearer token', { authorization: 'Bearer tg-\u0000\ud800' }],
];

/** A caller the route does not admit, and what it must get: 403 (401 for the gateway's API keys). */
function outsider(r: ApiRoute): [Caller, number] | null {
  if (r.callers.includes('key')) return ['root', 401];
  const c = (['tuser', 'sales', 'tadmin', 'root', 'billing', 'service'] as const).find((x) => !r.callers.includes(x));
  return c ? [c, 403] : null;
}

eachDialect('malformed input', (dialect) => {
  let t: TestApp;
  let w: World;
  beforeAll(async () => {
    t = await createTestApp(dialect);
    w = await makeWorld(t);
  });
  afterAll(async () => t?.close());

  const callAs = async (caller: Caller, r: ApiRoute): Promise<Record<string, string>> =>
    ENDS_SESSION.has(r.url) ? w.freshSession() : w.headers[caller];

  /** The route's URL with real ids (tenant, user, key) where `real` and known, else an unknown id. */
  function fill(url: string, real: boolean, id = 'does_not_exist'): string {
    const known: Record<string, string> = real ? { tenants: w.ids.tenant, users: w.ids.user, keys: w.ids.key } : {};
    return url
      .replace(/\/(\w+)\/:\w+/g, (_m, seg: string) => `/${seg}/${known[seg] ?? id}`)
      .replace(/:\w+/g, id)
      .replace(/\*$/, id);
  }

  const send = (method: string, url: string, headers: Record<string, string>, payload?: string): Promise<Reply> =>
    t.app.inject({ method: method as 'GET', url, headers, ...(payload !== undefined ? { payload } : {}) });

  const oversize = new Map<number, string>();
  function oversizeBody(r: ApiRoute): string {
    const limit = r.body === 'gateway' ? t.core.config.GATEWAY_BODY_LIMIT_BYTES : t.core.config.ADMIN_BODY_LIMIT_BYTES;
    if (!oversize.has(limit)) oversize.set(limit, JSON.stringify({ name: 'x'.repeat(limit) }));
    return oversize.get(limit) as string;
  }

  describe('malformed bodies get a 4xx naming the problem', () => {
    it.each(withBody.map((r) => [label(r), r] as const))('%s', async (_name, r) => {
      const problems: string[] = [];
      for (const caller of ENDS_SESSION.has(r.url) ? (['tuser'] as const) : r.callers) {
        const url = fill(r.url, r.body !== 'none');
        for (const [what, payload, allowed, names] of bodyCases(r, oversizeBody(r))) {
          const res = await send(r.method, url, { ...(await callAs(caller, r)), ...JSON_TYPE }, payload);
          problems.push(...problemsOf(`${what} as ${caller}`, res, allowed));
          if (res.statusCode === 400 && names.length > 0 && !names.some((n) => res.body.includes(n)))
            problems.push(`${what} as ${caller}: 400 names none of ${names.join(', ')}: ${res.body.slice(0, 300)}`);
        }
      }
      expect(problems).toEqual([]);
    });
  });

  describe('unknown and garbage ids are a 4xx', () => {
    it.each(withParams.map((r) => [label(r), r] as const))('%s', async (_name, r) => {
      const problems: string[] = [];
      // 414: longer than the router takes for a parameter; 403: the public file routes refuse paths
      // that try to escape their folder.
      const allowed = r.callers.includes('anon') ? [400, 403, 404, 414] : [400, 404, 414];
      for (const caller of r.callers) {
        for (const id of IDS) {
          const payload = r.method === 'GET' || r.method === 'DELETE' ? undefined : '{}';
          const res = await send(r.method, fill(r.url, false, id), { ...w.headers[caller], ...JSON_TYPE }, payload);
          // A NUL never reaches an admin API lookup (PostgreSQL would refuse it: a 500).
          const nul = id.includes('%00') && caller !== 'key';
          problems.push(...problemsOf(`id ${id.slice(0, 40)} as ${caller}`, res, nul ? [400] : allowed));
        }
      }
      expect(problems).toEqual([]);
    });
  });

  describe('wrong query strings are refused with the parameter named, or ignored', () => {
    it.each(gets.map((r) => [label(r), r] as const))('%s', async (_name, r) => {
      const problems: string[] = [];
      const url = fill(r.url, true);
      for (const caller of r.callers) {
        const base = (await send('GET', url, w.headers[caller])).statusCode;
        for (const [query, allowed, param] of queryCases(r, base)) {
          const res = await send('GET', `${url}?${query}`, w.headers[caller]);
          const what = `?${query.slice(0, 60)} as ${caller}`;
          problems.push(...problemsOf(what, res, allowed));
          if (res.statusCode === 400 && param && !res.body.includes(param))
            problems.push(`${what}: 400 does not name ${param}: ${res.body.slice(0, 300)}`);
        }
      }
      expect(problems).toEqual([]);
    });
  });

  describe('missing, bogus or misplaced credentials are 401/403', () => {
    it.each(guarded.map((r) => [label(r), r] as const))('%s', async (_name, r) => {
      const problems: string[] = [];
      const payload = r.method === 'GET' || r.method === 'DELETE' ? undefined : '{}';
      const url = fill(r.url, false);
      for (const [what, headers] of BOGUS) {
        const res = await send(r.method, url, { ...headers, ...JSON_TYPE }, payload);
        problems.push(...problemsOf(what, res, [401]));
      }
      const other = outsider(r);
      if (other) {
        const res = await send(r.method, url, { ...w.headers[other[0]], ...JSON_TYPE }, payload);
        problems.push(...problemsOf(`as ${other[0]}`, res, [other[1]]));
      }
      expect(problems).toEqual([]);
    });
  });
});
