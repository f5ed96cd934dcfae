// The HTTP API as the app itself registered it (app.routeTable + the OpenAPI document for field
// names), the callers each route admits, and the check every answer to bad input must pass: a
// status the case allows (never ≥ 500), a JSON error with a message, and no stack trace.
import type { RouteAccess } from '../../src/http/access.js';
import type { Role } from '../../src/identity/ports.js';
import { systemContext } from '../../src/identity/context.js';
import { ADMIN_SECRET_KEY, BILLING_API_KEY, createTestApp, type TestApp } from '../support/app.js';
import { bearer, makeTenant, PASSWORD, rootToken } from '../identity/helpers.js';

export type Caller = 'anon' | 'root' | 'tadmin' | 'tuser' | 'sales' | 'billing' | 'service' | 'key';
export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** The parts of the OpenAPI document's JSON Schemas the tests read. */
export interface JsonSchema {
  type?: string | string[];
  format?: string;
  enum?: unknown[];
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  anyOf?: JsonSchema[];
}

export interface ApiRoute {
  method: Method;
  url: string;
  callers: Caller[];
  /** 'schema': a validated JSON body; 'gateway': /v1 model routes check bodies in code; 'none'. */
  body: 'schema' | 'gateway' | 'none';
  fields: Record<string, JsonSchema>;
  query: Record<string, JsonSchema>;
}

const BY_ROLE: Record<Role, Caller> = {
  platform_admin: 'root',
  tenant_admin: 'tadmin',
  tenant_user: 'tuser',
  sales: 'sales',
};

export function callersOf(access: RouteAccess | undefined): Caller[] {
  if (access === undefined || access === 'public') return ['anon'];
  if (access === 'gateway') return ['key'];
  const services = (access.services ?? []).map((s): Caller => (s === 'billing' ? 'billing' : 'service'));
  return [...(access.roles ?? []).map((r) => BY_ROLE[r]), ...services];
}

// What gateway model routes read, for the wrong-type body (they have no schema to list fields).
const GATEWAY_FIELDS: Record<string, JsonSchema> = Object.fromEntries(
  (['model', 'messages', 'input', 'prompt', 'max_tokens', 'stream', 'temperature', 'system', 'provider'] as const).map(
    (f) => [f, {}],
  ),
);

type OpenApiOp = {
  parameters?: { in: string; name: string; schema?: JsonSchema }[];
  requestBody?: { content?: Record<string, { schema?: JsonSchema }> };
};

/** Every route the app registered (HEAD mirrors of GET left out), with what the OpenAPI document says. */
export function apiRoutes(t: TestApp): ApiRoute[] {
  const doc = t.app.swagger() as { paths: Record<string, Record<string, OpenApiOp>> };
  return t.app.routeTable
    .filter((r) => r.method !== 'HEAD' && r.method !== 'OPTIONS')
    .map((r) => {
      const op = doc.paths[r.url.replace(/:(\w+)/g, '{$1}').replace(/\*$/, '{*}')]?.[r.method.toLowerCase()];
      const schema = op?.requestBody?.content?.['application/json']?.schema;
      const query = (op?.parameters ?? []).filter((p) => p.in === 'query').map((p) => [p.name, p.schema ?? {}]);
      const body = r.access === 'gateway' && r.method === 'POST' ? 'gateway' : schema ? 'schema' : 'none';
      return {
        method: r.method as Method,
        url: r.url,
        callers: callersOf(r.access),
        body,
        fields: body === 'gateway' ? GATEWAY_FIELDS : (schema?.properties ?? {}),
        query: Object.fromEntries(query),
      };
    });
}

/** The routes, read from a throwaway SQLite app: suites list their cases at collection time, before
 *  the app of each dialect boots (the routes do not depend on the storage engine). */
export async function surveyRoutes(): Promise<ApiRoute[]> {
  const t = await createTestApp('sqlite');
  try {
    return apiRoutes(t);
  } finally {
    await t.close();
  }
}

const typeOf = (s: JsonSchema): string | undefined =>
  [s.type, ...(s.anyOf ?? []).map((a) => a.type)].flat().find((x) => x !== undefined && x !== 'null');

/** A value of another type than the field takes: numbers for strings, nested objects for numbers… */
export function wrongValue(s: JsonSchema): unknown {
  switch (typeOf(s)) {
    case 'string':
      return 12345;
    case 'number':
    case 'integer':
      return { nested: { deeper: [1, { x: true }] } };
    case 'boolean':
      return 'yes';
    case 'array':
      return 'not-an-array';
    case 'object':
      return [[['x']]];
    default:
      return { unexpected: [null, 1, 'two'] };
  }
}

export const HUGE = 'ü\u0000😀x'.repeat(5_000);
/** JSON text nested deeper than JSON.stringify can go (it overflows the stack near 5000 levels). */
export const DEEP = `${'{"a":['.repeat(5_000)}1${']}'.repeat(5_000)}`;

export interface World {
  headers: Record<Caller, Record<string, string>>;
  ids: { tenant: string; user: string; key: string };
  /** A fresh session of a throwaway person, for routes that end the caller's sessions. */
  freshSession(): Promise<Record<string, string>>;
}

/** A tenant with an admin and a user, a sales person, the platform admin, an API key, service keys. */
export async function makeWorld(t: TestApp): Promise<World> {
  const tenant = await makeTenant(t, 'Malformed Co');
  const person = async (role: Role, tenantId: string | null) => {
    const email = `${role}-${Math.random().toString(36).slice(2, 8)}@example.com`;
    return t.identity.users.create({ email, role, tenantId, password: PASSWORD }, systemContext);
  };
  const session = async (user: Awaited<ReturnType<typeof person>>) =>
    bearer((await t.identity.login.issue(user, {})).token);
  const [tadmin, tuser, sales, leaver] = await Promise.all([
    person('tenant_admin', tenant.id),
    person('tenant_user', tenant.id),
    person('sales', null),
    person('tenant_user', tenant.id),
  ]);
  const key = await t.identity.apiKeys.create(
    { name: 'malformed' },
    { userId: tuser.id, tenantId: tenant.id },
    systemContext,
  );
  return {
    headers: {
      anon: {},
      root: bearer(await rootToken(t)),
      tadmin: await session(tadmin),
      tuser: await session(tuser),
      sales: await session(sales),
      billing: { 'x-api-key': BILLING_API_KEY },
      service: { 'x-admin-key': ADMIN_SECRET_KEY },
      key: bearer(key.secret),
    },
    ids: { tenant: tenant.id, user: tuser.id, key: key.key.id },
    freshSession: () => session(leaver),
  };
}

export interface Reply {
  statusCode: number;
  body: string;
}

/** Any 2xx, or a 4xx: what hostile but well-formed input may get. */
export const OK_OR_REFUSED = [200, 201, 202, 204, 400, 401, 402, 403, 404, 409, 413, 415, 422, 423, 429];

const STACK = /\bat (?:\S+ \()?(?:file:\/\/|\/|[A-Za-z]:\\)|node_modules|\.[cm]?[jt]sx?:\d+/;
// Messages of JavaScript's own errors: an internal failure dressed as a client error.
const INTERNAL = /Maximum call stack|Cannot read properties|is not a function|is not iterable|Invalid array length/;

/** What is wrong with an answer to bad input; empty when it is fine. */
export function problemsOf(label: string, res: Reply, allowed: readonly number[]): string[] {
  const out: string[] = [];
  const excerpt = res.body.slice(0, 400);
  if (!allowed.includes(res.statusCode))
    out.push(`${label}: ${res.statusCode}, expected ${allowed.join('|')}: ${excerpt}`);
  if (STACK.test(res.body)) out.push(`${label}: stack trace in the body: ${excerpt}`);
  if (INTERNAL.test(res.body)) out.push(`${label}: an internal error message in the body: ${excerpt}`);
  if (res.statusCode >= 400) {
    let message: unknown;
    try {
      message = (JSON.parse(res.body) as { error?: { message?: unknown } }).error?.message;
    } catch {
      out.push(`${label}: ${res.statusCode} body is not JSON: ${excerpt}`);
      return out;
    }
    if (typeof message !== 'string' || message === '') out.push(`${label}: no error message: ${excerpt}`);
  }
  return out;
}
