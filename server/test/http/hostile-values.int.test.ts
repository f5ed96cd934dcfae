// Well-typed but hostile input never gives a 500 or a stack trace. Where malformed-input checks
// that bad shapes are refused at the door, this file gets past validation: every body route
// (enumerated from the app) receives its own fields, each of the right type at its edge (longest,
// shortest, overflowing, nested too deep), so handlers, services and storage meet the extremes.
// Any 2xx or 4xx is fine; a 4xx carries a JSON error message. Then every string field of every
// body route, one at a time, carries a NUL or a lone surrogate (PostgreSQL text cannot hold NUL;
// neither has a UTF-8 form the drivers keep): a 400 naming that field, on SQLite and PostgreSQL
// alike. (The gateway and seed 003 log-usage: gateway-hostile.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemContext } from '../../src/identity/context.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { eachDialect } from '../support/db.js';
import { PASSWORD } from '../identity/helpers.js';
import {
  DEEP,
  makeWorld,
  OK_OR_REFUSED,
  problemsOf,
  surveyRoutes,
  type ApiRoute,
  type JsonSchema,
  type World,
} from './api-surface.js';

const ROUTES = (await surveyRoutes()).filter((r) => ['POST', 'PUT', 'PATCH'].includes(r.method) && r.body === 'schema');

type Edge = 'longest' | 'shortest' | 'overflowing' | 'nested too deep';
const EDGES: Edge[] = ['longest', 'shortest', 'overflowing', 'nested too deep'];
const SENTINEL = '__deep_json__';
/** Ids of the targets param routes and id fields act on, by path segment or field name. */
type Targets = Record<string, string>;
/** One string in the body, by path, replaced by a hostile version of the value it would have had. */
interface Poison {
  path: string[];
  text: (base: string) => string;
}

/** A string the schema takes (pattern and length), at the edge: long or short, else numeric-looking. */
function edgeString(s: JsonSchema, edge: Edge): string {
  if (s.format === 'date-time')
    return (
      { longest: '9999-12-31T23:59:59.999Z', shortest: '0000-01-01T00:00:00Z' }[edge as string] ??
      '+275760-09-13T00:00:00Z'
    );
  if (s.format === 'email') return `${'a'.repeat(edge === 'longest' ? 64 : 1)}@example.com`;
  const max = Math.min(s.maxLength ?? 20_000, 20_000);
  const min = s.minLength ?? 0;
  const candidates =
    edge === 'longest'
      ? [
          `${'9'.repeat(12)}.${'9'.repeat(9)}`,
          `${'9'.repeat(9)}.${'9'.repeat(9)}`,
          'ü'.repeat(max),
          `dep_${'a'.repeat(60)}`,
          `${'a'.repeat(60)}.example.com`,
        ]
      : edge === 'shortest'
        ? ['a'.repeat(min), '0', 'dep_a', 'a.example.com']
        : ['99999999999999999999999999999.999999999999', '-0', '1e308', "a'; DROP TABLE tenants; --\u0000\ud800"];
  const fits = (c: string) => c.length >= min && c.length <= max && (!s.pattern || new RegExp(s.pattern, 'u').test(c));
  return candidates.find(fits) ?? candidates.find((c) => c.length >= min && c.length <= max) ?? 'a'.repeat(min);
}

/** A value of the schema's own type at the edge; DEEP stands in as a sentinel (JSON.stringify cannot hold it). */
function edgeValue(s: JsonSchema, edge: Edge, ids: Targets): unknown {
  const branch = s.anyOf?.find((a) => a.type !== 'null');
  if (branch) return edgeValue(branch, edge, ids);
  if (s.enum) return s.enum[edge === 'shortest' ? 0 : s.enum.length - 1];
  const type = [s.type].flat().find((x) => x !== 'null');
  switch (type) {
    case 'string':
      return edgeString(s, edge);
    case 'integer':
    case 'number':
      if (edge === 'overflowing') return type === 'integer' ? 2 ** 63 : 1e308;
      return edge === 'longest' ? (s.maximum ?? Number.MAX_SAFE_INTEGER) : (s.minimum ?? -Number.MAX_SAFE_INTEGER);
    case 'boolean':
      return edge !== 'shortest';
    case 'array': {
      const n = edge === 'shortest' ? (s.minItems ?? 0) : Math.min(s.maxItems ?? 1_000, 1_000);
      return Array.from({ length: n }, () => edgeValue(s.items ?? {}, edge, ids));
    }
    case 'object':
      if (s.properties)
        return Object.fromEntries(Object.entries(s.properties).map(([k, p]) => [k, ids[k] ?? edgeValue(p, edge, ids)]));
      if (edge === 'nested too deep') return SENTINEL;
      if (edge === 'shortest') return {};
      return Object.fromEntries(Array.from({ length: 1_000 }, (_, i) => [`k${i}`, 'v'.repeat(10)]));
    default:
      return edge === 'nested too deep' ? SENTINEL : null;
  }
}

/** A plausible string for a field (the schema's checks beyond pattern and length are not in the
 *  OpenAPI document: emails, URLs, amounts are guessed from the name). */
function typicalString(name: string, s: JsonSchema): string {
  const guess =
    s.format === 'date-time'
      ? ['2030-01-01T00:00:00Z']
      : s.format === 'uri' || /url|website/.test(name)
        ? ['https://example.com/v1']
        : /email/.test(name)
          ? ['someone@example.com']
          : /per_mtok|budget|amount|price|cost/.test(name)
            ? ['1.50']
            : [];
  const min = s.minLength ?? 0;
  const fits = (c: string) =>
    c.length >= min && c.length <= (s.maxLength ?? Infinity) && (!s.pattern || new RegExp(s.pattern, 'u').test(c));
  return [...guess, 'abcdefgh', 'dep_abc', 'a.example.com', '1.50'].find(fits) ?? 'a'.repeat(Math.max(min, 2));
}

// A free-form object's key, or the key itself when the path's segment is KEY.
const KEY = '{key}';

/** A well-formed value for the schema; the string at `poison.path` (a key at KEY) made hostile. */
function typicalValue(s: JsonSchema, name: string, ids: Targets, poison?: Poison): unknown {
  const branch = s.anyOf?.find((a) => a.type !== 'null');
  if (branch) return typicalValue(branch, name, ids, poison);
  const type = [s.type].flat().find((x) => x !== 'null');
  const sub = (k: string) => (poison?.path[0] === k ? { ...poison, path: poison.path.slice(1) } : undefined);
  if (poison?.path.length === 0) return poison.text(ids[name] ?? String(s.enum?.[0] ?? typicalString(name, s)));
  if (ids[name] !== undefined) return ids[name];
  if (s.enum) return s.enum[0];
  if (type === 'string') return typicalString(name, s);
  if (type === 'integer' || type === 'number') return Math.max(s.minimum ?? 1, Math.min(s.maximum ?? 1, 1));
  if (type === 'boolean') return true;
  if (type === 'array') {
    const n = Math.max(s.minItems ?? 0, poison ? 1 : 0);
    return Array.from({ length: n }, (_, i) => typicalValue(s.items ?? {}, name, ids, i === 0 ? sub('0') : undefined));
  }
  if (type !== 'object') return null;
  if (s.properties)
    return Object.fromEntries(Object.entries(s.properties).map(([k, p]) => [k, typicalValue(p, k, ids, sub(k))]));
  if (poison?.path[0] === KEY) return { [poison.text('key')]: 'abc' };
  return poison ? { k: typicalValue({ type: 'string' }, 'k', ids, sub('k')) } : {};
}

/** The paths of every string in a schema (through nested objects, arrays, nullable branches, and
 *  the keys and values of free-form objects). */
function stringPaths(s: JsonSchema, path: string[] = []): string[][] {
  const branch = s.anyOf?.find((a) => a.type !== 'null');
  if (branch) return stringPaths(branch, path);
  const type = [s.type].flat().find((x) => x !== 'null');
  if (type === 'string' || s.enum) return [path];
  if (type === 'array') return stringPaths(s.items ?? {}, [...path, '0']);
  if (type !== 'object') return [];
  if (s.properties) return Object.entries(s.properties).flatMap(([k, p]) => stringPaths(p, [...path, k]));
  return [
    [...path, 'k'],
    [...path, KEY],
  ];
}

/** A character put in place of the value's second (the length is kept where it can be). */
const inject = (c: string) => (base: string) => (base.length >= 2 ? `${base[0]}${c}${base.slice(2)}` : `${base}${c}`);
const HOSTILE_TEXT: [string, (base: string) => string][] = [
  ['a NUL', inject('\u0000')],
  ['a lone high surrogate', inject('\ud800')],
  ['a lone low surrogate', inject('\udc00')],
];

/** Ids in bodies name the targets, so the request reaches past the lookup. */
const bodyIds = (targets: Targets): Targets => ({ tenant_id: targets['tenants']!, user_id: targets['users']! });

const edgeBody = (r: ApiRoute, edge: Edge, targets: Targets) =>
  JSON.stringify(edgeValue({ type: 'object', properties: r.fields }, edge, bodyIds(targets))).replaceAll(
    `"${SENTINEL}"`,
    DEEP,
  );
const poisonedBody = (r: ApiRoute, targets: Targets, poison?: Poison) =>
  JSON.stringify(typicalValue({ type: 'object', properties: r.fields }, '', bodyIds(targets), poison));

/** Percent-encoding that also carries lone surrogates (as the bytes WTF-8 gives them, which
 *  encodeURIComponent refuses to produce). */
const encodeId = (id: string) =>
  Array.from(id, (ch) => {
    const c = ch.charCodeAt(0);
    if (ch.length > 1 || c < 0xd800 || c > 0xdfff) return encodeURIComponent(ch);
    return [0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f)].map((b) => `%${b.toString(16)}`).join('');
  }).join('');

const fill = (url: string, targets: Targets, text = (id: string) => id) =>
  url.replace(/\/(\w+)\/:\w+/g, (_m, seg: string) => `/${seg}/${encodeId(text(targets[seg] ?? 'does_not_exist'))}`);

const ENDS_SESSION = new Set(['/api/v1/auth/logout-all']);
const label = (r: ApiRoute) => `${r.method} ${r.url}`;
const withStrings = ROUTES.filter((r) => stringPaths({ type: 'object', properties: r.fields }).length > 0);

eachDialect('hostile values', (dialect) => {
  let t: TestApp;
  let w: World;
  // Param routes act on targets of their own (a second tenant, a user and key in the callers'
  // tenant), so what the edges change (a status, a role, a rotated key) leaves the callers intact.
  let targets: Targets;
  beforeAll(async () => {
    t = await createTestApp(dialect);
    w = await makeWorld(t);
    const tenantId = w.ids.tenant;
    const other = await t.identity.tenants.create({ name: 'Target Co', status: 'active' }, systemContext);
    const email = `target-${Date.now()}@example.com`;
    const user = await t.identity.users.create(
      { email, role: 'tenant_user', tenantId, password: PASSWORD },
      systemContext,
    );
    const key = await t.identity.apiKeys.create({ name: 'target' }, { userId: user.id, tenantId }, systemContext);
    targets = { tenants: other.id, users: user.id, keys: key.key.id, models: 'echo-2', providers: 'demo-2' };
  });
  afterAll(async () => t?.close());

  const send = async (r: ApiRoute, caller: keyof World['headers'], url: string, payload: string) =>
    t.app.inject({
      method: r.method,
      url,
      headers: {
        ...(ENDS_SESSION.has(r.url) ? await w.freshSession() : w.headers[caller]),
        'content-type': 'application/json',
      },
      payload,
    });

  describe('bodies of the right types at their edges get a 2xx or a 4xx', () => {
    it.each(ROUTES.map((r) => [label(r), r] as const))('%s', async (_name, r) => {
      const problems: string[] = [];
      for (const caller of r.callers) {
        for (const edge of EDGES) {
          const res = await send(r, caller, fill(r.url, targets), edgeBody(r, edge, targets));
          problems.push(...problemsOf(`${edge} as ${caller}`, res, OK_OR_REFUSED));
        }
      }
      expect(problems).toEqual([]);
    });
  });

  describe('a NUL or a lone surrogate in any string field is a 400 naming the field', () => {
    it.each(withStrings.map((r) => [label(r), r] as const))('%s', async (_name, r) => {
      const problems: string[] = [];
      const paths = stringPaths({ type: 'object', properties: r.fields });
      for (const caller of r.callers) {
        for (const path of paths) {
          for (const [what, text] of HOSTILE_TEXT) {
            const res = await send(r, caller, fill(r.url, targets), poisonedBody(r, targets, { path, text }));
            const field = (path.at(-1) === KEY ? path.slice(0, -1) : path).join('.');
            const where = `${what} in ${field} as ${caller}`;
            problems.push(...problemsOf(where, res, [400]));
            if (res.statusCode === 400 && !res.body.includes(`"${field}`) && !res.body.includes(`${field}:`))
              problems.push(`${where}: the 400 does not name ${field}: ${res.body.slice(0, 300)}`);
          }
        }
      }
      expect(problems).toEqual([]);
    });
  });

  const withIds = ROUTES.filter((r) => /\/:\w+/.test(r.url));
  // A lone surrogate travels as its WTF-8 bytes, which the router refuses as a bad url.
  describe('a NUL or a lone surrogate in a path id is a 400 naming it', () => {
    it.each(withIds.map((r) => [label(r), r] as const))('%s', async (_name, r) => {
      const problems: string[] = [];
      const param = /:(\w+)/.exec(r.url)![1]!;
      for (const caller of r.callers) {
        for (const [what, text] of HOSTILE_TEXT) {
          const url = fill(r.url, targets, (id) => text(id));
          const res = await send(r, caller, url, poisonedBody(r, targets));
          const where = `${what} in the id as ${caller}`;
          problems.push(...problemsOf(where, res, [400]));
          if (res.statusCode === 400 && !res.body.includes(`"${param}"`) && !res.body.includes('"url"'))
            problems.push(`${where}: the 400 names neither ${param} nor url: ${res.body.slice(0, 300)}`);
        }
      }
      expect(problems).toEqual([]);
    });
  });
});
