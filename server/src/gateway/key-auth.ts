// API-key authentication for /v1 routes: the secret comes from `Authorization: Bearer …` or
// `x-api-key` (Anthropic SDKs); the lookup itself is identity's cached KeyAuthenticator.
import type { IncomingHttpHeaders } from 'node:http';
import type { GatewayCaller, KeyAuthenticator, KeyLookupFailure } from '../identity/ports.js';
import { gatewayError, type GatewayError } from './gateway-error.js';

export function extractKey(headers: IncomingHttpHeaders): string | null {
  const auth = headers.authorization;
  if (auth !== undefined && auth.length > 7 && auth.slice(0, 7).toLowerCase() === 'bearer ') {
    const v = auth.slice(7).trim();
    if (v) return v;
  }
  const x = headers['x-api-key'];
  if (typeof x === 'string' && x.trim()) return x.trim();
  return null;
}

const FAILURES: Record<KeyLookupFailure, GatewayError> = {
  invalid: gatewayError(401, 'invalid_api_key', 'Incorrect API key provided'),
  revoked: gatewayError(401, 'invalid_api_key', 'This API key has been revoked'),
  expired: gatewayError(401, 'invalid_api_key', 'This API key has expired'),
  tenant_inactive: gatewayError(403, 'account_inactive', 'The organization of this API key is not active'),
  user_inactive: gatewayError(403, 'account_inactive', 'The owner of this API key is not active'),
};

const MISSING = gatewayError(
  401,
  'invalid_api_key',
  'You did not provide an API key: send Authorization: Bearer <key> or x-api-key: <key>',
);

export type AuthOutcome = { ok: true; caller: GatewayCaller } | { ok: false; error: GatewayError };

export async function authenticateRequest(
  keys: KeyAuthenticator,
  headers: IncomingHttpHeaders,
  nowMs: number,
): Promise<AuthOutcome> {
  const secret = extractKey(headers);
  if (secret === null) return { ok: false, error: MISSING };
  const r = await keys.authenticate(secret);
  if (!r.ok) return { ok: false, error: FAILURES[r.reason] ?? FAILURES.invalid };
  // Defence in depth: a cached entry must not outlive its expiry.
  const exp = r.caller.key.expiresAt;
  if (exp !== null && exp <= nowMs) return { ok: false, error: FAILURES.expired };
  keys.touch(r.caller.key.id, nowMs);
  return { ok: true, caller: r.caller };
}
