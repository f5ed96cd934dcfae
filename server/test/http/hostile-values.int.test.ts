// Well-typed but hostile input never gives a 500 or a stack trace. Where malformed-input checks
// that bad shapes are refused at the door, this file gets past validation: every body route
// (enumerated from the app) receives its own fields, each of the right type at its edge (longest,
// shortest, overflowing, nested too deep), so handlers, services and storage meet the extremes.
// Any 2xx or 4xx is fine; a 4xx carries a JSON error message. (The gateway: gateway-hostile.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemContext } from '../../src/identity/context.js';
import { createTestApp } from '../support/app.js';
import { PASSWORD } from '../identity/helpers.js';
import {
  apiRoutes,
  DEEP,
  makeWorld,
  OK_OR_REFUSED,
  problemsOf,
  type ApiRoute,
  type JsonSchema,
  type World,
} from './api-surface.js';

const t = await createTestApp('sqlite');
const ROUTES = apiRoutes(t).filter((r) => ['POST', 'PUT', 'PATCH'].includes(r.method) && r.body === 'schema');

let w: World;
// Param routes act on targets of their own (a second tenant, a user and key in the callers'
// tenant), so what the edges change (a status, a role, a rotated key) leaves the callers intact.
let targets: Record<string, string>;
beforeAll(async () => {
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
afterAll(async () => t.close());

type Edge = 'longest' | 'shortest' | 'overflowing' | 'nested too deep';
const EDGES: Edge[] = ['longest', 'shortest', 'overflowing', 'nested too deep'];
const SENTINEL = '__deep_json__';

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
function edgeValue(s: JsonSchema, edge: Edge): unknown {
  const branch = s.anyOf?.find((a) => a.type !== 'null');
  if (branch) return edgeValue(branch, edge);
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
      return Array.from({ length: n }, () => edgeValue(s.items ?? {}, edge));
    }
    case 'object':
      if (s.properties)
        return Object.fromEntries(Object.entries(s.properties).map(([k, p]) => [k, fieldValue(k, p, edge)]));
      if (edge === 'nested too deep') return SENTINEL;
      if (edge === 'shortest') return {};
      return Object.fromEntries(Array.from({ length: 1_000 }, (_, i) => [`k${i}`, 'v'.repeat(10)]));
    default:
      return edge === 'nested too deep' ? SENTINEL : null;
  }
}

/** Ids in bodies name the targets, so the request reaches past the lookup. */
const fieldValue = (name: string, s: JsonSchema, edge: Edge): unknown =>
  ({ tenant_id: targets['tenants'], user_id: targets['users'] })[name] ?? edgeValue(s, edge);

const edgeBody = (r: ApiRoute, edge: Edge) =>
  JSON.stringify(edgeValue({ type: 'object', properties: r.fields }, edge)).replaceAll(`"${SENTINEL}"`, DEEP);

const fill = (url: string) =>
  url.replace(/\/(\w+)\/:\w+/g, (_m, seg: string) => `/${seg}/${targets[seg] ?? 'does_not_exist'}`);

const ENDS_SESSION = new Set(['/api/v1/auth/logout-all']);

describe('bodies of the right types at their edges get a 2xx or a 4xx', () => {
  it.each(ROUTES.map((r) => [`${r.method} ${r.url}`, r] as const))('%s', async (_name, r) => {
    const problems: string[] = [];
    for (const caller of r.callers) {
      for (const edge of EDGES) {
        const auth = ENDS_SESSION.has(r.url) ? await w.freshSession() : w.headers[caller];
        const res = await t.app.inject({
          method: r.method,
          url: fill(r.url),
          headers: { ...auth, 'content-type': 'application/json' },
          payload: edgeBody(r, edge),
        });
        problems.push(...problemsOf(`${edge} as ${caller}`, res, OK_OR_REFUSED));
      }
    }
    expect(problems).toEqual([]);
  });
});
