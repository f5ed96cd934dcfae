// Who is acting and from where: passed to every state-changing service call so it can write its
// audit entry (the services, not the routes, own auditing so other modules' calls are audited too).
import type { FastifyRequest } from 'fastify';
import type { AuditActor } from '../audit/audit-service.js';

export interface ActionContext {
  actor: AuditActor;
  ip?: string | null;
}

export const systemContext: ActionContext = { actor: { kind: 'system' } };

/** The acting principal and client address of an authenticated admin-API request. */
export function requestContext(request: FastifyRequest): ActionContext {
  if (!request.principal) throw new Error('requestContext on an unauthenticated request');
  return { actor: request.principal, ip: request.ip };
}
