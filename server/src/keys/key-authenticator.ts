// The gateway's key lookup (hot path). SHA-256 of the secret → in-memory LRU of resolved callers
// (positive and short negative entries); on a miss, one query joining key + user + tenant. Bus
// topics drop affected entries, so a revoke takes effect at once on this node.
import type { Kysely } from 'kysely';
import type { EventBus } from '../bus/bus.js';
import type { Database } from '../db/schema.js';
import { parseJsonObject, parseStringArray } from '../identity/json.js';
import type { BudgetPeriod, GatewayCaller, KeyAuthenticator, KeyLookupFailure, Role } from '../identity/ports.js';
import { hashKeySecret, keyStatus, looksLikeKey } from './key-secret.js';
import type { LastUsedBatcher } from './last-used-batcher.js';

type Lookup = { ok: true; caller: GatewayCaller } | { ok: false; reason: KeyLookupFailure };

interface Entry {
  /** Resolved caller (its expiry is re-checked on every hit) or a refusal reason. */
  result: Lookup;
  revokedAt: number | null;
  ids: { keyId: string | null; userId: string | null; tenantId: string | null };
  until: number;
}

export interface KeyCacheOptions {
  ttlMs: number;
  negativeTtlMs: number;
  maxEntries: number;
}

export interface KeyAuthenticatorImpl extends KeyAuthenticator {
  /** Number of cached entries (tests, metrics). */
  size(): number;
  close(): Promise<void>;
}

export function createKeyAuthenticator(deps: {
  db: Kysely<Database>;
  bus: EventBus;
  now: () => number;
  lastUsed: LastUsedBatcher;
  cache: KeyCacheOptions;
}): KeyAuthenticatorImpl {
  const cache = new Map<string, Entry>();
  // Unknown secrets live in their own, smaller map: a flood of made-up keys must not evict the
  // real ones (which would turn every real request into a query).
  const unknown = new Map<string, number>();
  const maxUnknown = Math.max(1, Math.floor(deps.cache.maxEntries / 5));
  // Bumped by every invalidation. A lookup that read the database while one arrived may hold the
  // state from before it (a key revoked mid-query): its answer is used once but never cached.
  let generation = 0;
  const drop = (pred: (e: Entry) => boolean) => {
    generation++;
    for (const [h, e] of cache) if (pred(e)) cache.delete(h);
  };
  const unsubs = [
    deps.bus.subscribe('key.changed', ({ keyId, keyHash }) => {
      generation++;
      if (keyHash) {
        cache.delete(keyHash);
        unknown.delete(keyHash);
      }
      drop((e) => e.ids.keyId === keyId);
    }),
    deps.bus.subscribe('user.changed', ({ userId }) => drop((e) => e.ids.userId === userId)),
    deps.bus.subscribe('tenant.changed', ({ tenantId }) => drop((e) => e.ids.tenantId === tenantId)),
  ];

  function remember(hash: string, entry: Omit<Entry, 'until'>, now: number): void {
    if (entry.ids.keyId === null) {
      unknown.delete(hash);
      unknown.set(hash, now + deps.cache.negativeTtlMs);
      while (unknown.size > maxUnknown) unknown.delete(unknown.keys().next().value as string);
      return;
    }
    const ttl = entry.result.ok ? deps.cache.ttlMs : deps.cache.negativeTtlMs;
    cache.delete(hash);
    cache.set(hash, { ...entry, until: now + ttl });
    // Map iteration order is insertion order: the first key is the least recently used.
    while (cache.size > deps.cache.maxEntries) cache.delete(cache.keys().next().value as string);
  }

  async function load(hash: string): Promise<Omit<Entry, 'until'>> {
    const row = await deps.db
      .selectFrom('api_keys as k')
      .innerJoin('users as u', 'u.id', 'k.user_id')
      .innerJoin('tenants as t', 't.id', 'k.tenant_id')
      .select([
        'k.id',
        'k.tenant_id',
        'k.user_id',
        'k.name',
        'k.allowed_models',
        'k.rpm',
        'k.tpm',
        'k.budget',
        'k.budget_period',
        'k.expires_at',
        'k.revoked_at',
        'u.role',
        'u.status as user_status',
        'u.tenant_id as user_tenant_id',
        't.slug',
        't.status as tenant_status',
        't.settings',
      ])
      .where('k.key_hash', '=', hash)
      .executeTakeFirst();
    const none = { keyId: null, userId: null, tenantId: null };
    if (!row) return { result: { ok: false, reason: 'invalid' }, revokedAt: null, ids: none };
    const ids = { keyId: row.id, userId: row.user_id, tenantId: row.tenant_id };
    const revokedAt = row.revoked_at === null ? null : Number(row.revoked_at);
    if (revokedAt !== null) return { result: { ok: false, reason: 'revoked' }, revokedAt, ids };
    if (row.tenant_status !== 'active') return { result: { ok: false, reason: 'tenant_inactive' }, revokedAt, ids };
    if (row.user_status !== 'active') return { result: { ok: false, reason: 'user_inactive' }, revokedAt, ids };
    const caller: GatewayCaller = {
      key: {
        id: row.id,
        tenantId: row.tenant_id,
        userId: row.user_id,
        name: row.name,
        allowedModels: parseStringArray(row.allowed_models),
        rpm: row.rpm === null ? null : Number(row.rpm),
        tpm: row.tpm === null ? null : Number(row.tpm),
        budget: row.budget,
        budgetPeriod: row.budget_period as BudgetPeriod,
        expiresAt: row.expires_at === null ? null : Number(row.expires_at),
      },
      tenant: { id: row.tenant_id, slug: row.slug, status: 'active', settings: parseJsonObject(row.settings) },
      user: { id: row.user_id, tenantId: row.user_tenant_id, role: row.role as Role, status: 'active' },
    };
    return { result: { ok: true, caller }, revokedAt, ids };
  }

  function judge(entry: Omit<Entry, 'until'>, now: number): Lookup {
    if (!entry.result.ok) return entry.result;
    // Expiry is a function of time, not of the row: check it on every hit.
    if (keyStatus({ revokedAt: entry.revokedAt, expiresAt: entry.result.caller.key.expiresAt }, now) === 'expired') {
      return { ok: false, reason: 'expired' };
    }
    return entry.result;
  }

  return {
    async authenticate(secret) {
      if (!looksLikeKey(secret)) return { ok: false, reason: 'invalid' };
      const now = deps.now();
      const hash = hashKeySecret(secret);
      const unknownUntil = unknown.get(hash);
      if (unknownUntil !== undefined && unknownUntil > now) return { ok: false, reason: 'invalid' };
      const hit = cache.get(hash);
      if (hit && hit.until > now) {
        cache.delete(hash);
        cache.set(hash, hit);
        return judge(hit, now);
      }
      const seen = generation;
      const entry = await load(hash);
      if (generation === seen) remember(hash, entry, now);
      return judge(entry, now);
    },
    touch(keyId, atMs) {
      deps.lastUsed.touch(keyId, atMs);
    },
    size: () => cache.size + unknown.size,
    async close() {
      for (const u of unsubs) u();
      cache.clear();
      unknown.clear();
    },
  };
}
