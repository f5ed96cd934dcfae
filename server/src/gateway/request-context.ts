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

export interface AnswerHeaders {
  /** This call's charged cost, decimal (x-tollgate-cost). */
  cost: string;
  /** Provider id that served it (x-tollgate-provider). */
  provider: string;
  /** x-ratelimit-* headers, when the caller has limits. */
  rate: Record<string, string> | null;
}

/** A successful JSON answer written straight to the socket: one header object, one write, none
 *  of Fastify's reply hooks or serialisation on the hot path. */
export function sendJson(reply: FastifyReply, requestId: string, body: string, h: AnswerHeaders): void {
  reply.hijack();
  const headers: Record<string, string | number> = {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'x-request-id': requestId,
    'x-tollgate-cost': h.cost,
    'x-tollgate-provider': h.provider,
  };
  const rate = h.rate;
  if (rate) for (const k in rate) headers[k] = rate[k]!;
  reply.raw.writeHead(200, headers);
  reply.raw.end(body);
}
