// Gemini's `parameters` / `responseSchema` accept an OpenAPI-3 subset of JSON Schema and reject
// the rest with a 400. Drop the keywords it does not know; keep the structure.

const UNSUPPORTED = new Set(['$schema', '$id', 'additionalProperties', 'strict', 'examples', 'default', '$comment']);

export function cleanSchema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(cleanSchema);
  if (typeof schema !== 'object' || schema === null) return schema;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(schema)) {
    if (UNSUPPORTED.has(k)) continue;
    // `properties` maps names to schemas: clean the schemas, keep every name (even "default").
    if (k === 'properties' && typeof v === 'object' && v !== null && !Array.isArray(v)) {
      out[k] = Object.fromEntries(Object.entries(v).map(([name, s]) => [name, cleanSchema(s)]));
    } else {
      out[k] = cleanSchema(v);
    }
  }
  return out;
}
