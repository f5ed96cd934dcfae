// The audit log: one append-only row per state-changing admin action. Other modules record through
// `IdentityModule.audit.record(...)`; reads are scoped by tenant in the route.
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { Principal } from '../identity/ports.js';
import { pageOf, toPage, type Page } from '../identity/pagination.js';
import { isoOrNull, parseJsonObject } from '../identity/json.js';
import { nextId } from '../shared/monotonic-id.js';
import { z } from 'zod';
import { diffChanges, jsonSafe, type Changes } from './audit-diff.js';

export type AuditActor = Principal | { kind: 'system' };

export interface AuditInput {
  actor: AuditActor;
  tenantId: string | null;
  action: string;
  targetType: string;
  targetId?: string | null;
  /** Either a ready diff, or before/after snapshots to diff. */
  changes?: Changes | { before?: unknown; after?: unknown } | null;
  ip?: string | null;
  /** epoch ms; defaults to the module clock. */
  at?: number;
}

export const auditEntrySchema = z.object({
  id: z.string(),
  at: z.string(),
  actor: z.object({ type: z.string(), id: z.string().nullable(), email: z.string().nullable() }),
  tenant_id: z.string().nullable(),
  action: z.string(),
  target_type: z.string(),
  target_id: z.string().nullable(),
  changes: z.record(z.string(), z.unknown()),
  ip: z.string().nullable(),
});
export type AuditEntry = z.infer<typeof auditEntrySchema>;
export const auditPageSchema = pageOf(auditEntrySchema);

export interface AuditQuery {
  tenantId: string | null;
  action?: string;
  actorId?: string;
  targetType?: string;
  targetId?: string;
  from?: number;
  to?: number;
  limit: number;
  cursor?: string;
}

/** What other areas need of the audit log: write an entry (they take it optionally, so they can be
 *  built and tested without identity). */
export interface AuditRecorder {
  record(input: AuditInput): Promise<void>;
}

export interface AuditService {
  record(input: AuditInput, db?: Kysely<Database>): Promise<void>;
  list(q: AuditQuery): Promise<Page<AuditEntry>>;
}

function isSnapshotPair(c: object): c is { before?: unknown; after?: unknown } {
  return 'before' in c || 'after' in c;
}

function actorColumns(actor: AuditActor): { actor_type: string; actor_id: string | null; actor_email: string | null } {
  if (actor.kind === 'user') return { actor_type: 'user', actor_id: actor.userId, actor_email: actor.email };
  if (actor.kind === 'service') return { actor_type: 'service', actor_id: actor.service, actor_email: null };
  return { actor_type: 'system', actor_id: null, actor_email: null };
}

const asRecord = (v: unknown): Record<string, unknown> | null =>
  v && typeof v === 'object' ? (jsonSafe(v) as Record<string, unknown>) : null;

export function createAuditService(deps: { db: Kysely<Database>; now: () => number }): AuditService {
  return {
    async record(input, db = deps.db) {
      let changes: Changes | null = null;
      if (input.changes && isSnapshotPair(input.changes)) {
        changes = diffChanges(asRecord(input.changes.before), asRecord(input.changes.after));
      } else if (input.changes) {
        changes = jsonSafe(input.changes) as Changes;
      }
      const at = input.at ?? deps.now();
      await db
        .insertInto('audit_log')
        .values({
          id: nextId('aud', at),
          at,
          ...actorColumns(input.actor),
          tenant_id: input.tenantId,
          action: input.action,
          target_type: input.targetType,
          target_id: input.targetId ?? null,
          changes: changes ? JSON.stringify(changes) : null,
          ip: input.ip ?? null,
        })
        .execute();
    },

    async list(q) {
      let query = deps.db.selectFrom('audit_log').selectAll();
      if (q.tenantId) query = query.where('tenant_id', '=', q.tenantId);
      if (q.action) query = query.where('action', '=', q.action);
      if (q.actorId) query = query.where('actor_id', '=', q.actorId);
      if (q.targetType) query = query.where('target_type', '=', q.targetType);
      if (q.targetId) query = query.where('target_id', '=', q.targetId);
      if (q.from !== undefined) query = query.where('at', '>=', BigInt(q.from));
      if (q.to !== undefined) query = query.where('at', '<', BigInt(q.to));
      if (q.cursor) query = query.where('id', '<', q.cursor);
      const rows = await query
        .orderBy('id', 'desc')
        .limit(q.limit + 1)
        .execute();
      return toPage(rows, q.limit, (r) => ({
        id: r.id,
        at: isoOrNull(r.at) ?? '',
        actor: { type: r.actor_type, id: r.actor_id, email: r.actor_email },
        tenant_id: r.tenant_id,
        action: r.action,
        target_type: r.target_type,
        target_id: r.target_id,
        changes: parseJsonObject(r.changes),
        ip: r.ip,
      }));
    },
  };
}
