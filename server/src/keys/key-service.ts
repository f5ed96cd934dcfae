// API keys: create (secret shown once), read, list, edit limits, revoke, rotate. Who may touch
// which key is decided by the routes; every change is audited and published on 'key.changed'.
import type { Kysely, Selectable } from 'kysely';
import type { AuditService } from '../audit/audit-service.js';
import type { EventBus } from '../bus/bus.js';
import type { Database } from '../db/schema.js';
import type { ApiKeysTable } from '../db/tables/identity.js';
import type { ActionContext } from '../identity/context.js';
import { iso, isoOrNull, parseStringArray } from '../identity/json.js';
import { toPage, type Page } from '../identity/pagination.js';
import type { BudgetPeriod } from '../identity/ports.js';
import { AppError, invalid, notFound } from '../shared/errors.js';
import { nextId } from '../shared/monotonic-id.js';
import { formatMoney } from '../shared/money.js';
import { generateKeySecret, keyStatus, type KeyStatus } from './key-secret.js';
import type { ApiKey, KeyCreate, KeyUpdate } from './key-schemas.js';

export type KeyRow = Selectable<ApiKeysTable>;

export interface KeyListQuery {
  tenantId: string | null;
  userId?: string;
  status?: KeyStatus;
  limit: number;
  cursor?: string;
}

export interface KeyService {
  /** `owner` is the resolved owner (user id + tenant id). */
  create(
    input: Omit<KeyCreate, 'user_id'>,
    owner: { userId: string; tenantId: string },
    ctx: ActionContext,
  ): Promise<{ key: ApiKey; secret: string }>;
  getById(id: string): Promise<ApiKey | null>;
  list(q: KeyListQuery): Promise<Page<ApiKey>>;
  update(id: string, patch: KeyUpdate, ctx: ActionContext): Promise<ApiKey>;
  revoke(id: string, ctx: ActionContext): Promise<ApiKey>;
  /** A new key with the same settings; the old one is revoked. */
  rotate(id: string, ctx: ActionContext): Promise<{ key: ApiKey; secret: string }>;
}

const ms = (iso: string | null | undefined): number | null => (iso ? Date.parse(iso) : null);

export function toApiKey(r: KeyRow, now: number): ApiKey {
  return {
    id: r.id,
    name: r.name,
    prefix: r.prefix,
    tenant_id: r.tenant_id,
    user_id: r.user_id,
    status: keyStatus(
      {
        revokedAt: r.revoked_at === null ? null : Number(r.revoked_at),
        expiresAt: r.expires_at === null ? null : Number(r.expires_at),
      },
      now,
    ),
    allowed_models: parseStringArray(r.allowed_models),
    rpm: r.rpm === null ? null : Number(r.rpm),
    tpm: r.tpm === null ? null : Number(r.tpm),
    budget: r.budget === null ? null : formatMoney(r.budget),
    budget_period: r.budget_period as BudgetPeriod,
    expires_at: isoOrNull(r.expires_at),
    last_used_at: isoOrNull(r.last_used_at),
    revoked_at: isoOrNull(r.revoked_at),
    rotated_from: r.rotated_from,
    created: iso(r.created_at),
    updated: iso(r.updated_at),
  };
}

export function createKeyService(deps: {
  db: Kysely<Database>;
  bus: EventBus;
  audit: AuditService;
  now: () => number;
}): KeyService {
  const { db } = deps;
  async function load(id: string): Promise<KeyRow> {
    const row = await db.selectFrom('api_keys').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw notFound('API key');
    return row;
  }
  const audit = (
    ctx: ActionContext,
    action: string,
    tenantId: string,
    id: string,
    before: Partial<ApiKey> | Record<string, unknown> | null,
    after: Partial<ApiKey> | Record<string, unknown> | null,
  ) =>
    deps.audit.record({
      actor: ctx.actor,
      tenantId,
      action,
      targetType: 'api_key',
      targetId: id,
      changes: { before, after },
      ip: ctx.ip ?? null,
    });

  async function insert(
    input: Omit<KeyCreate, 'user_id'>,
    owner: { userId: string; tenantId: string },
    ctx: ActionContext,
    rotatedFrom: string | null,
  ) {
    const now = deps.now();
    const expiresAt = ms(input.expires_at);
    if (expiresAt !== null && expiresAt <= now && rotatedFrom === null)
      throw invalid('expires_at', 'must be in the future');
    const { secret, hash, prefix } = generateKeySecret();
    const id = nextId('key', now);
    await db
      .insertInto('api_keys')
      .values({
        id,
        tenant_id: owner.tenantId,
        user_id: owner.userId,
        name: input.name,
        key_hash: hash,
        prefix,
        allowed_models: input.allowed_models ? JSON.stringify(input.allowed_models) : null,
        rpm: input.rpm ?? null,
        tpm: input.tpm ?? null,
        budget: input.budget ?? null,
        budget_period: input.budget_period ?? 'monthly',
        expires_at: expiresAt,
        rotated_from: rotatedFrom,
        created_by: ctx.actor.kind === 'user' ? ctx.actor.userId : null,
        created_at: now,
        updated_at: now,
      })
      .execute();
    const key = toApiKey(await load(id), now);
    deps.bus.publish('key.changed', { keyId: id, keyHash: hash });
    return { key, secret };
  }

  return {
    async create(input, owner, ctx) {
      const out = await insert(input, owner, ctx, null);
      await audit(ctx, 'key.create', owner.tenantId, out.key.id, null, out.key);
      return out;
    },

    async getById(id) {
      const row = await db.selectFrom('api_keys').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? toApiKey(row, deps.now()) : null;
    },

    async list(q) {
      const now = deps.now();
      let query = db.selectFrom('api_keys').selectAll();
      if (q.tenantId) query = query.where('tenant_id', '=', q.tenantId);
      if (q.userId) query = query.where('user_id', '=', q.userId);
      if (q.status === 'revoked') query = query.where('revoked_at', 'is not', null);
      if (q.status === 'expired') query = query.where('revoked_at', 'is', null).where('expires_at', '<=', BigInt(now));
      if (q.status === 'active') {
        query = query
          .where('revoked_at', 'is', null)
          .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', BigInt(now))]));
      }
      if (q.cursor) query = query.where('id', '<', q.cursor);
      const rows = await query
        .orderBy('id', 'desc')
        .limit(q.limit + 1)
        .execute();
      return toPage(rows, q.limit, (r) => toApiKey(r, now));
    },

    async update(id, patch, ctx) {
      const row = await load(id);
      const now = deps.now();
      const before = toApiKey(row, now);
      if (before.status === 'revoked') throw new AppError('unprocessable', 'a revoked key cannot be changed');
      const values: Record<string, unknown> = {};
      if (patch.name !== undefined) values['name'] = patch.name;
      if (patch.allowed_models !== undefined)
        values['allowed_models'] = patch.allowed_models ? JSON.stringify(patch.allowed_models) : null;
      if (patch.rpm !== undefined) values['rpm'] = patch.rpm;
      if (patch.tpm !== undefined) values['tpm'] = patch.tpm;
      if (patch.budget !== undefined) values['budget'] = patch.budget;
      if (patch.budget_period !== undefined) values['budget_period'] = patch.budget_period;
      if (patch.expires_at !== undefined) values['expires_at'] = ms(patch.expires_at);
      if (Object.keys(values).length > 0) {
        await db
          .updateTable('api_keys')
          .set({ ...values, updated_at: now })
          .where('id', '=', id)
          .execute();
      }
      const after = toApiKey(await load(id), now);
      await audit(ctx, 'key.update', row.tenant_id, id, { ...before, updated: '' }, { ...after, updated: '' });
      deps.bus.publish('key.changed', { keyId: id, keyHash: row.key_hash });
      return after;
    },

    async revoke(id, ctx) {
      const row = await load(id);
      const now = deps.now();
      const before = toApiKey(row, now);
      if (row.revoked_at === null) {
        await db
          .updateTable('api_keys')
          .set({ revoked_at: now, updated_at: now })
          .where('id', '=', id)
          .where('revoked_at', 'is', null)
          .execute();
      }
      const after = toApiKey(await load(id), now);
      await audit(ctx, 'key.revoke', row.tenant_id, id, { status: before.status }, { status: after.status });
      deps.bus.publish('key.changed', { keyId: id, keyHash: row.key_hash });
      return after;
    },

    async rotate(id, ctx) {
      const row = await load(id);
      const now = deps.now();
      const old = toApiKey(row, now);
      if (old.status === 'revoked') throw new AppError('unprocessable', 'a revoked key cannot be rotated');
      const out = await insert(
        {
          name: old.name,
          allowed_models: old.allowed_models,
          rpm: old.rpm,
          tpm: old.tpm,
          budget: row.budget,
          budget_period: old.budget_period,
          expires_at: old.expires_at,
        },
        { userId: row.user_id, tenantId: row.tenant_id },
        ctx,
        id,
      );
      await db
        .updateTable('api_keys')
        .set({ revoked_at: now, updated_at: now })
        .where('id', '=', id)
        .where('revoked_at', 'is', null)
        .execute();
      deps.bus.publish('key.changed', { keyId: id, keyHash: row.key_hash });
      await audit(
        ctx,
        'key.rotate',
        row.tenant_id,
        id,
        { status: old.status },
        { status: 'revoked', replaced_by: out.key.id },
      );
      return out;
    },
  };
}
