// Tenants: create, read, list, update, deactivate. Nothing is hard-deleted; "delete" sets
// status=deleted. Every change is audited and published on 'tenant.changed'.
import type { Kysely, Selectable } from 'kysely';
import type { AuditService } from '../audit/audit-service.js';
import type { EventBus } from '../bus/bus.js';
import type { Database } from '../db/schema.js';
import type { TenantsTable } from '../db/tables/identity.js';
import type { ActionContext } from '../identity/context.js';
import { isUniqueViolation } from '../identity/db-errors.js';
import { randomToken } from '../identity/crypto.js';
import { iso, parseJsonObject } from '../identity/json.js';
import { toPage, type Page } from '../identity/pagination.js';
import type { TenantInfo } from '../identity/ports.js';
import { conflict, forbidden, invalid, notFound } from '../shared/errors.js';
import { nextId } from '../shared/monotonic-id.js';
import { mergePatch } from './settings-patch.js';
import { slugCandidate, slugify } from './slug.js';
import {
  tenantCreateSchema,
  tenantSettingsSchema,
  type Tenant,
  type TenantCreate,
  type TenantStatus,
  type TenantType,
  type TenantUpdate,
} from './tenant-schemas.js';

export interface TenantListQuery {
  status?: TenantStatus;
  type?: TenantType;
  search?: string;
  limit: number;
  cursor?: string;
}

export interface TenantUpdateOptions {
  /** `settings` is a JSON Merge Patch (PATCH) rather than the whole new object (PUT). */
  mergeSettings?: boolean;
  /**
   * Settings keys this caller may not change (a tenant admin editing their own tenant): kept as
   * stored when the new settings leave them out; a different value is refused with 403.
   */
  keepSettings?: readonly string[];
}

export interface TenantService {
  create(input: TenantCreate, ctx: ActionContext): Promise<Tenant>;
  getById(id: string): Promise<Tenant | null>;
  /** The gateway's view (status + settings). */
  info(id: string): Promise<TenantInfo | null>;
  list(q: TenantListQuery): Promise<Page<Tenant>>;
  /**
   * PUT replaces `settings` whole; with `mergeSettings` (PATCH) `settings` is a JSON Merge Patch
   * (RFC 7396) over the stored settings: only the keys sent change, `null` removes one.
   */
  update(id: string, patch: TenantUpdate, ctx: ActionContext, opts?: TenantUpdateOptions): Promise<Tenant>;
  /** DELETE: status=deleted. */
  deactivate(id: string, ctx: ActionContext): Promise<Tenant>;
  /** Count of users that hold a seat (not suspended). */
  seatCount(id: string): Promise<number>;
}

export function toTenant(r: Selectable<TenantsTable>): Tenant {
  return {
    id: r.id,
    name: r.name,
    slug: r.slug,
    domain: r.domain,
    type: r.type as TenantType,
    status: r.status as TenantStatus,
    billing_plan: r.billing_plan,
    max_users: r.max_users === null ? null : Number(r.max_users),
    settings: parseJsonObject(r.settings),
    services: parseJsonObject(r.services),
    referral_code: r.referral_code,
    created: iso(r.created_at),
    updated: iso(r.updated_at),
  };
}

/** The settings JSON to write: the new object (PUT) or the merge of a patch (PATCH), validated whole. */
function settingsToStore(stored: string, settings: Record<string, unknown>, opts: TenantUpdateOptions): string {
  const keep = opts.keepSettings ?? [];
  if (!opts.mergeSettings && keep.length === 0) return JSON.stringify(settings);
  const before = parseJsonObject(stored);
  const next = opts.mergeSettings ? mergePatch(before, settings) : { ...settings };
  for (const k of keep) {
    if (k in settings && JSON.stringify(next[k]) !== JSON.stringify(before[k]))
      throw forbidden(`settings.${k} is set by the platform operator`);
    if (before[k] === undefined) delete next[k];
    else next[k] = before[k];
  }
  if (!opts.mergeSettings) return JSON.stringify(next);
  const merged = tenantSettingsSchema.safeParse(next);
  if (!merged.success) {
    const issue = merged.error.issues[0];
    throw invalid(['settings', ...(issue?.path ?? [])].join('.'), issue?.message ?? 'invalid settings');
  }
  return JSON.stringify(merged.data);
}

/** Referral codes: 10 url-safe characters, uppercase for reading aloud. */
const referralCode = (): string => randomToken(12).replace(/[-_]/g, '').slice(0, 10).toUpperCase();

export function createTenantService(deps: {
  db: Kysely<Database>;
  bus: EventBus;
  audit: AuditService;
  now: () => number;
}): TenantService {
  const { db } = deps;

  async function slugTaken(slug: string): Promise<boolean> {
    return (await db.selectFrom('tenants').select('id').where('slug', '=', slug).executeTakeFirst()) !== undefined;
  }

  /** The first free slug among base, base-2, base-3…; a random suffix after that. */
  async function freeSlug(base: string): Promise<string> {
    for (let n = 1; n <= 20; n++) {
      const s = slugCandidate(base, n);
      if (!(await slugTaken(s))) return s;
    }
    return slugCandidate(base, 1000 + Math.floor(Math.random() * 9_000_000));
  }

  async function load(id: string) {
    const row = await db.selectFrom('tenants').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw notFound('tenant');
    return row;
  }

  return {
    async create(raw, ctx) {
      // Callers other than the route (registration) pass unvalidated input: refuse it as a 400.
      const parsed = tenantCreateSchema.safeParse(raw);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw invalid(issue?.path.join('.') || 'body', issue?.message ?? 'invalid tenant');
      }
      const input = parsed.data;
      const now = deps.now();
      const explicitSlug = input.slug !== undefined;
      let slug = input.slug ?? (await freeSlug(slugify(input.name)));
      for (let attempt = 0; ; attempt++) {
        const row = {
          id: nextId('ten', now),
          name: input.name,
          slug,
          domain: input.domain ?? null,
          type: input.type,
          status: input.status,
          billing_plan: input.billing_plan ?? null,
          max_users: input.max_users ?? null,
          settings: JSON.stringify(input.settings ?? {}),
          services: JSON.stringify(input.services ?? {}),
          referral_code: referralCode(),
          created_at: now,
          updated_at: now,
        };
        try {
          await db.insertInto('tenants').values(row).execute();
          const tenant = toTenant(await load(row.id));
          await deps.audit.record({
            actor: ctx.actor,
            tenantId: tenant.id,
            action: 'tenant.create',
            targetType: 'tenant',
            targetId: tenant.id,
            changes: { after: tenant },
            ip: ctx.ip ?? null,
          });
          deps.bus.publish('tenant.changed', { tenantId: tenant.id });
          return tenant;
        } catch (e) {
          if (!isUniqueViolation(e)) throw e;
          if (explicitSlug) throw conflict(`slug "${slug}" is already taken`);
          if (attempt >= 3) throw conflict('could not find a free slug');
          // Lost a race for a derived slug (or a referral code collided): derive again.
          slug = await freeSlug(slugify(input.name));
        }
      }
    },

    async getById(id) {
      const row = await db.selectFrom('tenants').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? toTenant(row) : null;
    },

    async info(id) {
      const row = await db
        .selectFrom('tenants')
        .select(['id', 'slug', 'status', 'settings'])
        .where('id', '=', id)
        .executeTakeFirst();
      if (!row) return null;
      return {
        id: row.id,
        slug: row.slug,
        status: row.status as TenantStatus,
        settings: parseJsonObject(row.settings),
      };
    },

    async list(q) {
      let query = db.selectFrom('tenants').selectAll();
      if (q.status) query = query.where('status', '=', q.status);
      if (q.type) query = query.where('type', '=', q.type);
      if (q.search) {
        // Wildcards are dropped rather than escaped: LIKE escaping differs between the dialects.
        const like = `%${q.search.toLowerCase().replace(/[%_\\]/g, '')}%`;
        query = query.where((eb) =>
          eb.or([
            eb(eb.fn('lower', ['name']), 'like', eb.val(like)),
            eb('slug', 'like', like),
            eb(eb.fn('lower', ['domain']), 'like', eb.val(like)),
          ]),
        );
      }
      if (q.cursor) query = query.where('id', '<', q.cursor);
      const rows = await query
        .orderBy('id', 'desc')
        .limit(q.limit + 1)
        .execute();
      return toPage(rows, q.limit, toTenant);
    },

    async update(id, patch, ctx, opts = {}) {
      const beforeRow = await load(id);
      const before = toTenant(beforeRow);
      const values: Record<string, unknown> = {};
      for (const k of ['name', 'slug', 'domain', 'type', 'status', 'billing_plan', 'max_users'] as const) {
        if (patch[k] !== undefined) values[k] = patch[k];
      }
      // Replaced whole, by PUT and PATCH alike.
      if (patch.services !== undefined) values['services'] = JSON.stringify(patch.services);
      // A merge reads the stored settings and writes only if they are still what it read
      // (compare-and-set): a concurrent edit makes it read again instead of being overwritten.
      let storedSettings = beforeRow.settings;
      for (let attempt = 0; ; attempt++) {
        if (patch.settings !== undefined) values['settings'] = settingsToStore(storedSettings, patch.settings, opts);
        if (Object.keys(values).length === 0) break;
        let query = db
          .updateTable('tenants')
          .set({ ...values, updated_at: deps.now() })
          .where('id', '=', id);
        // Also when keeping keys: the stored ones must not be overwritten by a stale read.
        const compareAndSet =
          (opts.mergeSettings === true || (opts.keepSettings?.length ?? 0) > 0) && patch.settings !== undefined;
        if (compareAndSet) query = query.where('settings', '=', storedSettings);
        let updated: bigint;
        try {
          updated = (await query.executeTakeFirst()).numUpdatedRows;
        } catch (e) {
          if (isUniqueViolation(e)) throw conflict(`slug "${patch.slug ?? ''}" is already taken`);
          throw e;
        }
        if (updated > 0n || !compareAndSet) break;
        // Every round one of the racing writers wins, so this ends; the cap is only a backstop.
        if (attempt >= 31) throw conflict('the tenant changed while it was being edited; try again');
        storedSettings = (await load(id)).settings;
      }
      const after = toTenant(await load(id));
      await deps.audit.record({
        actor: ctx.actor,
        tenantId: id,
        action: after.status === 'deleted' && before.status !== 'deleted' ? 'tenant.delete' : 'tenant.update',
        targetType: 'tenant',
        targetId: id,
        changes: { before: { ...before, updated: null }, after: { ...after, updated: null } },
        ip: ctx.ip ?? null,
      });
      deps.bus.publish('tenant.changed', { tenantId: id });
      return after;
    },

    async deactivate(id, ctx) {
      return this.update(id, { status: 'deleted' }, ctx);
    },

    async seatCount(id) {
      const r = await db
        .selectFrom('users')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('tenant_id', '=', id)
        .where('status', '!=', 'suspended')
        .executeTakeFirst();
      return Number(r?.n ?? 0);
    },
  };
}
