// Session JWTs (HS256 via jose). The token names the user and the session (`sid`) so logout can
// invalidate it; role and tenant are re-read from the database, never trusted from the token.
// jose is loaded on the first sign or verify: a gateway-only process (API keys) never needs it,
// and it costs a few MB of heap.
import type * as Jose from 'jose';
import { err, ok, type Result } from '../shared/errors.js';

let jose: Promise<typeof Jose> | null = null;
const loadJose = () => (jose ??= import('jose'));

const ISSUER = 'tollgate';
const AUDIENCE = 'tollgate-admin';

export interface SessionClaims {
  userId: string;
  sid: string;
}

export async function signSessionJwt(
  claims: SessionClaims,
  secret: Uint8Array,
  nowMs: number,
  ttlSeconds: number,
): Promise<{ token: string; expiresAt: number }> {
  const iat = Math.floor(nowMs / 1000);
  const exp = iat + ttlSeconds;
  const { SignJWT } = await loadJose();
  const token = await new SignJWT({ sid: claims.sid })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(claims.userId)
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt(iat)
    .setExpirationTime(exp)
    .sign(secret);
  return { token, expiresAt: exp * 1000 };
}

export async function verifySessionJwt(
  token: string,
  secret: Uint8Array,
  nowMs: number,
): Promise<Result<SessionClaims, 'expired' | 'invalid'>> {
  const { errors, jwtVerify } = await loadJose();
  try {
    const { payload } = await jwtVerify(token, secret, {
      algorithms: ['HS256'],
      issuer: ISSUER,
      audience: AUDIENCE,
      currentDate: new Date(nowMs),
      clockTolerance: 0,
    });
    if (typeof payload.sub !== 'string' || typeof payload['sid'] !== 'string') return err('invalid');
    return ok({ userId: payload.sub, sid: payload['sid'] });
  } catch (e) {
    return err(e instanceof errors.JWTExpired ? 'expired' : 'invalid');
  }
}
