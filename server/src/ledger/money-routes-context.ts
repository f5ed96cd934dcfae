// What the money routes share: the services they call, the optional identity hooks (audit log,
// tenant lookup) and the helpers that use them. Identity is optional so the money module can be
// built and tested alone; without it unknown tenant ids cannot be told apart and no audit is kept.
import type { FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { AuditInput, AuditRecorder } from '../audit/audit-service.js';
import type { Database } from '../db/schema.js';
import type { TenantInfo } from '../identity/ports.js';
import { AppError, notFound } from '../shared/errors.js';
import type { InMemoryPriceCatalog } from '../pricing/price-catalog.js';
import type { PriceStore } from '../pricing/price-store.js';
import type { WalletService } from '../wallets/wallet-service.js';
import type { LedgerStore } from './ledger-store.js';

export interface IdentityHooks {
  audit?: AuditRecorder;
  tenants?: { info(id: string): Promise<TenantInfo | null> };
}

export interface MoneyRoutesContext {
  db: Kysely<Database>;
  ledger: LedgerStore;
  wallets: WalletService;
  catalog: InMemoryPriceCatalog;
  prices: PriceStore;
  identity: IdentityHooks;
  now: () => number;
  currency: string;
}

/** A tenant named by an admin must exist (404 otherwise), so wallets are never made for typos. */
export async function requireTenant(ctx: MoneyRoutesContext, tenantId: string): Promise<void> {
  if (!ctx.identity.tenants) return;
  const t = await ctx.identity.tenants.info(tenantId);
  if (!t || t.status === 'deleted') throw notFound('tenant');
}

/** Record a state-changing admin action in identity's audit log. */
export async function audit(
  ctx: MoneyRoutesContext,
  req: FastifyRequest,
  entry: Omit<AuditInput, 'actor' | 'ip'>,
): Promise<void> {
  if (!req.principal) throw new AppError('unauthorized', 'authentication required');
  await ctx.identity.audit?.record({ ...entry, actor: req.principal, ip: req.ip });
}

/** `Idempotency-Key` request header (optional): the client's retry key, namespaced by the caller's scope. */
export function idempotencyKeyOf(req: FastifyRequest, scope: string, fallback: () => string): string {
  const raw = req.headers['idempotency-key'];
  const given = Array.isArray(raw) ? raw[0] : raw;
  if (given === undefined || given === '') return `${scope}:${fallback()}`;
  if (given.length > 200 || !/^[\x21-\x7e]+$/.test(given)) {
    throw new AppError('validation_error', 'Idempotency-Key: must be 1–200 visible ASCII characters', {
      field: 'Idempotency-Key',
    });
  }
  return `${scope}:${given}`;
}
