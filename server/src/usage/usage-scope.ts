// Who sees which usage: platform admins any tenant (or all), tenant admins their tenant, tenant
// users only their own records. Another tenant's id answers 404 (tenantScope).
import type { FastifyRequest } from 'fastify';
import { tenantScope, userOf } from '../http/access.js';

export interface UsageScope {
  tenantId: string | null;
  /** Set when the caller may only see their own usage. */
  userId: string | null;
}

export function usageScope(
  request: FastifyRequest,
  requestedTenant: string | undefined,
  requestedUser: string | undefined,
): UsageScope {
  const p = userOf(request);
  const tenantId = tenantScope(p, requestedTenant);
  if (p.role === 'tenant_user') return { tenantId, userId: p.userId };
  return { tenantId, userId: requestedUser ?? null };
}
