// Unique-constraint violations look different in each driver; this is the one place that knows.
export function isUniqueViolation(e: unknown): boolean {
  const err = e as { code?: string; message?: string };
  if (err?.code === '23505') return true; // PostgreSQL unique_violation
  if (err?.code === 'SQLITE_CONSTRAINT_UNIQUE' || err?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY') return true;
  return typeof err?.message === 'string' && /UNIQUE constraint failed/.test(err.message);
}
