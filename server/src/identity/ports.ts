// What the rest of Tollgate may know about identity: who is calling, in which tenant, with which
// role or key. Implemented by the identity area (tenants, users, auth, keys).
import type { FastifyRequest } from 'fastify';

export type Role = 'platform_admin' | 'sales' | 'tenant_admin' | 'tenant_user';
export const ROLES: readonly Role[] = ['platform_admin', 'sales', 'tenant_admin', 'tenant_user'];

export interface UserPrincipal {
  kind: 'user';
  userId: string;
  /** null for platform-level people (platform_admin, sales). */
  tenantId: string | null;
  role: Role;
  email: string;
}

/** A machine caller authenticated by a service key (seed 003). */
export interface ServicePrincipal {
  kind: 'service';
  /** billing: X-API-Key = BILLING_API_KEY; admin: X-Admin-Key = ADMIN_SECRET_KEY. */
  service: 'billing' | 'admin';
}

export type Principal = UserPrincipal | ServicePrincipal;

/** Authenticates admin-API requests: bearer JWT, session cookie, X-API-Key, X-Admin-Key. */
export interface RequestAuthenticator {
  authenticate(request: FastifyRequest): Promise<Principal | null>;
}

export type BudgetPeriod = 'daily' | 'weekly' | 'monthly' | 'total';

/** An API key as the gateway sees it (never the secret). */
export interface ApiKeyInfo {
  id: string;
  tenantId: string;
  /** The person who owns the key. */
  userId: string;
  name: string;
  /** null = every model the tenant may use. */
  allowedModels: readonly string[] | null;
  rpm: number | null;
  tpm: number | null;
  /** Key budget in nano-units per period; null = no key budget. */
  budget: bigint | null;
  budgetPeriod: BudgetPeriod;
  /** epoch ms; null = never expires. */
  expiresAt: number | null;
}

export interface TenantInfo {
  id: string;
  slug: string;
  status: 'pending' | 'active' | 'suspended' | 'deleted';
  /** Tenant settings JSON (provider preferences live under settings.provider). */
  settings: Record<string, unknown>;
}

export interface UserInfo {
  id: string;
  tenantId: string | null;
  role: Role;
  status: 'pending' | 'active' | 'suspended';
}

/** Everything the gateway needs about a caller, resolved from a key secret. */
export interface GatewayCaller {
  key: ApiKeyInfo;
  tenant: TenantInfo;
  user: UserInfo;
}

export type KeyLookupFailure = 'invalid' | 'revoked' | 'expired' | 'tenant_inactive' | 'user_inactive';

/**
 * The gateway's key lookup: served from an in-memory cache (by SHA-256 of the secret) in the
 * steady state, invalidated by the bus topic 'key.changed' / 'tenant.changed' / 'user.changed'.
 */
export interface KeyAuthenticator {
  authenticate(secret: string): Promise<{ ok: true; caller: GatewayCaller } | { ok: false; reason: KeyLookupFailure }>;
  /** Record "last used" (batched; never a DB write per request). */
  touch(keyId: string, atMs: number): void;
}
