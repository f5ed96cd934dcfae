// Cursor pagination shared by the identity lists (tenants, users, keys, audit). Ids are
// time-sortable, so "newest first" is `id desc` and the cursor is simply the last id returned.
import { z } from 'zod';

export const pageQuery = {
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().min(1).max(200).optional(),
};

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

export const pageOf = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), next_cursor: z.string().nullable() });

/** Rows fetched with `limit + 1`: trim the extra one and derive the next cursor from the last id. */
export function toPage<R extends { id: string }, T>(rows: R[], limit: number, map: (r: R) => T): Page<T> {
  const more = rows.length > limit;
  const slice = more ? rows.slice(0, limit) : rows;
  return { items: slice.map(map), next_cursor: more ? (slice[slice.length - 1]?.id ?? null) : null };
}
