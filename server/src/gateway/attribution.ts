// Who and what a call is for, as clients tell us: X-Tollgate-* headers and the body's `metadata`
// and `user`. Ends up on the usage record (seed 004's analytics by agent and conversation).
import type { IncomingHttpHeaders } from 'node:http';

export interface Attribution {
  agent: string | null;
  conversationId: string | null;
  conversationTitle: string | null;
  project: string | null;
  /** Body `metadata` plus the end-user id (`user`) when given. */
  metadata: Record<string, unknown> | null;
}

function header(headers: IncomingHttpHeaders, name: string, max: number): string | null {
  const v = headers[name];
  const s = Array.isArray(v) ? v[0] : v;
  if (typeof s !== 'string') return null;
  const t = s.trim();
  return t ? t.slice(0, max) : null;
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
