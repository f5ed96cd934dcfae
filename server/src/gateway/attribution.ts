// Who and what a call is for, as clients tell us: X-Tollgate-* headers and the body's `metadata`
// and `user`. Ends up on the usage record (seed 004's analytics by agent and conversation).
import type { IncomingHttpHeaders } from 'node:http';
import { textProblem } from '../http/text-guard.js';
import { badRequest, type GatewayError } from './gateway-error.js';

export interface Attribution {
  agent: string | null;
  conversationId: string | null;
  conversationTitle: string | null;
  project: string | null;
  /** Body `metadata` plus the end-user id (`user`) when given. */
  metadata: Record<string, unknown> | null;
}

const HEADERS = [
  'x-tollgate-agent',
  'x-tollgate-conversation',
  'x-tollgate-conversation-title',
  'x-tollgate-project',
] as const;

const first = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v);

/**
 * An attribution header that cannot be stored as sent (a NUL, which PostgreSQL's text refuses, or
 * a lone surrogate), as the 400 naming it; null when all can (usually none is sent). Checked
 * before the call runs: a value the usage record cannot hold would leave an answered call unbilled.
 */
export function badAttributionHeader(headers: IncomingHttpHeaders): GatewayError | null {
  for (const name of HEADERS) {
    const s = first(headers[name]);
    const problem = s === undefined ? null : textProblem(s);
    if (problem) return badRequest(name, `${name} ${problem}`);
  }
  return null;
}

function header(headers: IncomingHttpHeaders, name: (typeof HEADERS)[number], max: number): string | null {
  const s = first(headers[name]);
  if (typeof s !== 'string') return null;
  const t = s.trim();
  if (!t) return null;
  if (t.length <= max) return t;
  // Never cut a surrogate pair in two.
  const code = t.charCodeAt(max - 1);
  return t.slice(0, code >= 0xd800 && code <= 0xdbff ? max - 1 : max);
}

export function attributionOf(headers: IncomingHttpHeaders, body: Record<string, unknown>): Attribution {
  const meta = body['metadata'];
  const user = body['user'];
  let metadata: Record<string, unknown> | null = null;
  if (typeof meta === 'object' && meta !== null && !Array.isArray(meta))
    metadata = { ...(meta as Record<string, unknown>) };
  if (typeof user === 'string' && user) metadata = { ...(metadata ?? {}), user };
  return {
    agent: header(headers, 'x-tollgate-agent', 200),
    conversationId: header(headers, 'x-tollgate-conversation', 200),
    conversationTitle: header(headers, 'x-tollgate-conversation-title', 500),
    project: header(headers, 'x-tollgate-project', 200),
    metadata,
  };
}
