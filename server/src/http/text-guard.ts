// Text both storage engines keep as sent. PostgreSQL's text cannot hold NUL (U+0000): a NUL in an
// id, a search term or a name reached the database and came back a 500 there, while SQLite stored
// it. A lone UTF-16 surrogate has no UTF-8 form: PostgreSQL's driver writes U+FFFD, SQLite keeps
// invalid bytes, so one value reads back differently per engine. The admin API refuses both at the
// door — in path parameters, and in the query strings and bodies (strings and keys) its schemas
// admit — with a 400 naming the field, the same on SQLite and PostgreSQL. (The gateway's /v1 model
// routes are left to the gateway: prompts are forwarded, not stored.)
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../shared/errors.js';

// Cheap scans per string; the surrogate pairing is checked only when a surrogate is there.
const SURROGATE = /[\ud800-\udfff]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Why a string cannot be stored as sent; null when it can. */
export function textProblem(s: string): string | null {
  if (s.includes('\u0000')) return 'must not contain NUL characters (\\u0000)';
  if (!SURROGATE.test(s)) return null;
  return LONE_SURROGATE.test(s) ? 'must not contain a lone surrogate (not valid Unicode)' : null;
}

/** The first string (or object key) in `value` that cannot be stored, as [path, why]. Iterative:
 *  bodies may be nested thousands of levels deep (the schemas refuse them afterwards). */
export function findBadText(value: unknown, root: string): [string, string] | null {
  const stack: [unknown, string][] = [[value, root]];
  while (stack.length > 0) {
    const [v, path] = stack.pop()!;
    if (typeof v === 'string') {
      const problem = textProblem(v);
      if (problem) return [path, problem];
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push([v[i], path ? `${path}.${i}` : String(i)]);
    } else if (typeof v === 'object' && v !== null) {
      const entries = Object.entries(v);
      for (const [k] of entries) {
        const problem = textProblem(k);
        // The key is named escaped, so the message itself carries no NUL.
        if (problem) return [`${path ? `${path}.` : ''}${JSON.stringify(k).slice(1, -1)}`, `keys ${problem}`];
      }
      // Reversed onto the stack, so fields are reported in the order they came.
      for (let i = entries.length - 1; i >= 0; i--) {
        const [k, child] = entries[i]!;
        stack.push([child, path ? `${path}.${k}` : k]);
      }
    }
  }
  return null;
}

type Part = 'params' | 'query' | 'body';

/**
 * A preHandler hook (after validation: it sees what the handler will read, unknown query keys
 * already stripped) that refuses unstorable text in `parts` of the request. Callback style: no
 * promise per request.
 */
export function unstorableTextGuard(parts: readonly Part[]) {
  return function refuseUnstorableText(request: FastifyRequest, _reply: FastifyReply, done: (err?: Error) => void) {
    for (const where of parts) {
      const bad = findBadText(request[where], '');
      if (bad) {
        const field = bad[0] || where;
        return done(new AppError('validation_error', `${field}: ${bad[1]}`, { field, location: where }));
      }
    }
    done();
  };
}
