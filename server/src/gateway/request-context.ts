// Per-request gateway state hung on the Fastify request: the authenticated caller (set by the
// gateway's onRequest hook before the body is even read) and the timing origin.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { GatewayCaller } from '../identity/ports.js';
import { errorBody, type ErrorFlavor, type GatewayError } from './gateway-error.js';

declare module 'fastify' {
  interface FastifyRequest {
    gatewayCaller: GatewayCaller | null;
    /** performance.now() when the request arrived. */
    gatewayT0: number;
    /** clock epoch ms when the request arrived. */
    gatewayStartedAt: number;
  }
  interface FastifyContextConfig {
    /** Which error envelope a gateway route answers with (default openai). */
    gatewayFlavor?: ErrorFlavor;
  }
}

export function callerOf(request: FastifyRequest): GatewayCaller {
  const c = request.gatewayCaller;
  // The onRequest hook refuses unauthenticated calls, so this is a programming error.
  if (!c) throw new Error('gateway route reached without an authenticated caller');
  return c;
}

export function sendError(
  reply: FastifyReply,
  flavor: ErrorFlavor,
  e: GatewayError,
  extra?: Record<string, string> | null,
): FastifyReply {
  if (extra) void reply.headers(extra);
  if (e.headers) void reply.headers(e.headers);
  return reply.code(e.status).type('application/json').send(errorBody(flavor, e));
}
