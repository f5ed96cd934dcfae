// People: create (with a password, or pending with an invite), read, list, update, suspend.
// Role and tenant rules are enforced by the caller's route via role-rules; this service keeps the
// data invariants (unique email, tenant exists, seat limit, platform roles have no tenant).
import type { Kysely, Selectable } from 'kysely';
import type { AuditService } from '../audit/audit-service.js';
import type { EventBus } from '../bus/bus.js';
import type { Database } from '../db/schema.js';
import type { UsersTable } from '../db/tables/identity.js';
import type { ActionContext } from '../identity/context.js';
import { isUniqueViolation } from '../identity/db-errors.js';
import { iso, isoOrNull } from '../identity/json.js';
import { toPage, type Page } from '../identity/pagination.js';
import type { Role, UserInfo } from '../identity/ports.js';
import { AppError, conflict, invalid, notFound } from '../shared/errors.js';
import { nextId } from '../shared/monotonic-id.js';
import type { Tenant } from '../tenants/tenant-schemas.js';
import type { TenantService } from '../tenants/tenant-service.js';
import { hashPassword } from './password.js';
import { isPlatformRole, sameRoleClass } from './role-rules.js';
import type { User, UserStatus, UserUpdate } from './user-schemas.js';

export interface NewUser {
  email: string;
  name?: string | null;
  role: Role;
  tenantId: string | null;
  productId?: string | null;
  /** With a password the user is active at once; without, pending until an invite is accepted. */
  password?: string;
}

export interface UserListQuery {
  tenantId: string | null;
  role?: Role;
  status?: UserStatus;
  search?: string;
  limit: number;
  cursor?: string;
}

export type UserRow = Selectable<UsersTable>;

export interface UserService {
  create(input: NewUser, ctx: ActionContext): Promise<User>;
  getById(id: string): Promise<User | null>;
  findByEmail(email: string): Promise<User | null>;
  /** Seed 003 `user_id` may be our id or the person's email. */
  findByEmailOrId(idOrEmail: string): Promise<User | null>;
  info(id: string): Promise<UserInfo | null>;
  list(q: UserListQuery): Promise<Page<User>>;
  update(id: string, patch: UserUpdate, ctx: ActionContext): Promise<User>;
  /** DELETE: status=suspended (nothing is hard-deleted). */
  suspend(id: string, ctx: ActionContext): Promise<User>;
  setPassword(id: string, password: string, ctx: ActionContext): Promise<void>;
  /** Internal: the full row (password hash, lock-out state) for auth. */
  rowByEmail(email: string): Promise<UserRow | null>;
}

export function toUser(r: UserRow): User {
  return {
    id: r.id,
    email: r.email,
    name: r.name,
    role: r.role as Role,
    status: r.status as UserStatus,
    tenant_id: r.tenant_id,
    product_id: r.product_id,
    last_login_at: isoOrNull(r.last_login_at),
    created: iso(r.created_at),
    updated: iso(r.updated_at),
  };
}

export function createUserService(deps: {
  db: Kysely<Database>;
  bus: EventBus;
  audit: AuditService;
  tenants: TenantService;
  now: () => number;
}): UserService {
  const { db } = deps;
  const changed = (u: { id: string; tenant_id: string | null }) =>
    deps.bus.publish('user.changed', { userId: u.id, tenantId: u.tenant_id });

  async function load(id: string): Promise<UserRow> {
    const row = await db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw notFound('user');
    return row;
  }

  async function assertSeatFree(tenant: Tenant | null): Promise<void> {
    if (tenant && tenant.max_users !== null && (await deps.tenants.seatCount(tenant.id)) >= tenant.max_users) {
      throw new AppError('unprocessable', `tenant has reached its limit of ${tenant.max_users} users`);
    }
  }

  return {
    async create(input, ctx) {
      const email = input.email.trim().toLowerCase();
      if (isPlatformRole(input.role) && input.tenantId)
        throw invalid('tenant_id', 'platform roles belong to no tenant');
      if (!isPlatformRole(input.role) && !input.tenantId) throw invalid('tenant_id', 'required for tenant roles');
      if (input.tenantId) {
        const tenant = await deps.tenants.getById(input.tenantId);
        if (!tenant || tenant.status === 'deleted') throw notFound('tenant');
        await assertSeatFree(tenant);
      }
      const now = deps.now();
      const row = {
        id: nextId('usr', now),
        tenant_id: input.tenantId,
        email,
        name: input.name ?? null,
        role: input.role,
        status: input.password ? 'active' : 'pending',
        password_hash: input.password ? await hashPassword(input.password) : null,
        product_id: input.productId ?? null,
        created_at: now,
        updated_at: now,
      };
      try {
        await db.insertInto('users').values(row).execute();
      } catch (e) {
        if (isUniqueViolation(e)) throw conflict(`a user with email ${email} already exists`);
        throw e;
      }
      const user = toUser(await load(row.id));
      await deps.audit.record({
        actor: ctx.actor,
        tenantId: user.tenant_id,
        action: 'user.create',
        targetType: 'user',
        targetId: user.id,
        changes: { after: user },
        ip: ctx.ip ?? null,
      });
      changed(user);
      return user;
    },

    async getById(id) {
      const row = await db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? toUser(row) : null;
    },

    async findByEmail(email) {
      const row = await this.rowByEmail(email);
      return row ? toUser(row) : null;
    },

    async findByEmailOrId(idOrEmail) {
      return idOrEmail.includes('@') ? this.findByEmail(idOrEmail) : this.getById(idOrEmail);
    },

    async info(id) {
      const row = await db
        .selectFrom('users')
        .select(['id', 'tenant_id', 'role', 'status'])
        .where('id', '=', id)
        .executeTakeFirst();
      return row
        ? { id: row.id, tenantId: row.tenant_id, role: row.role as Role, status: row.status as UserStatus }
        : null;
    },

    async list(q) {
      let query = db.selectFrom('users').selectAll();
      if (q.tenantId) query = query.where('tenant_id', '=', q.tenantId);
      if (q.role) query = query.where('role', '=', q.role);
      if (q.status) query = query.where('status', '=', q.status);
      if (q.search) {
        const like = `%${q.search.toLowerCase().replace(/[%_\\]/g, '')}%`;
        query = query.where((eb) =>
          eb.or([eb('email', 'like', like), eb(eb.fn('lower', ['name']), 'like', eb.val(like))]),
        );
      }
      if (q.cursor) query = query.where('id', '<', q.cursor);
      const rows = await query
        .orderBy('id', 'desc')
        .limit(q.limit + 1)
        .execute();
      return toPage(rows, q.limit, toUser);
    },

    async update(id, patch, ctx) {
      const beforeRow = await load(id);
      const before = toUser(beforeRow);
      if (patch.role && !sameRoleClass(before.role, patch.role)) {
        throw invalid('role', 'cannot move a person between platform and tenant roles');
      }
      if (patch.status === 'active' && before.status === 'pending') {
        throw invalid('status', 'a pending user becomes active by accepting the invite');
      }
      // A suspended person holds no seat: taking one back obeys the limit just as creating does.
      if (patch.status === 'active' && before.status === 'suspended' && before.tenant_id) {
        await assertSeatFree(await deps.tenants.getById(before.tenant_id));
      }
      const values: Record<string, unknown> = {};
      if (patch.name !== undefined) values['name'] = patch.name;
      if (patch.role !== undefined) values['role'] = patch.role;
      if (patch.status !== undefined) values['status'] = patch.status;
      if (patch.product_id !== undefined) values['product_id'] = patch.product_id;
      if (Object.keys(values).length > 0) {
        await db
          .updateTable('users')
          .set({ ...values, updated_at: deps.now() })
          .where('id', '=', id)
          .execute();
      }
      const after = toUser(await load(id));
      const action = before.status !== 'suspended' && after.status === 'suspended' ? 'user.suspend' : 'user.update';
      await deps.audit.record({
        actor: ctx.actor,
        tenantId: after.tenant_id,
        action,
        targetType: 'user',
        targetId: id,
        changes: { before: { ...before, updated: null }, after: { ...after, updated: null } },
        ip: ctx.ip ?? null,
      });
      changed(after);
      return after;
    },

    async suspend(id, ctx) {
      return this.update(id, { status: 'suspended' }, ctx);
    },

    async setPassword(id, password, ctx) {
      const row = await load(id);
      await db
        .updateTable('users')
        .set({
          password_hash: await hashPassword(password),
          failed_logins: 0,
          locked_until: null,
          updated_at: deps.now(),
        })
        .where('id', '=', id)
        .execute();
      await deps.audit.record({
        actor: ctx.actor,
        tenantId: row.tenant_id,
        action: 'user.password_change',
        targetType: 'user',
        targetId: id,
        ip: ctx.ip ?? null,
      });
      changed(row);
    },

    async rowByEmail(email) {
      const row = await db
        .selectFrom('users')
        .selectAll()
        .where('email', '=', email.trim().toLowerCase())
        .executeTakeFirst();
      return row ?? null;
    },
  };
}
