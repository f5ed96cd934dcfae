// Stored JSON columns are a trust boundary: parse defensively so a bad row never takes a request down.
export function parseJsonObject(text: string | null | undefined): Record<string, unknown> {
  if (!text) return {};
  try {
    const v: unknown = JSON.parse(text);
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

export function parseStringArray(text: string | null | undefined): string[] | null {
  if (text === null || text === undefined) return null;
  try {
    const v: unknown = JSON.parse(text);
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : null;
  } catch {
    return null;
  }
}

export const isoOrNull = (ms: bigint | number | null | undefined): string | null =>
  ms === null || ms === undefined ? null : new Date(Number(ms)).toISOString();

export const iso = (ms: bigint | number): string => new Date(Number(ms)).toISOString();
