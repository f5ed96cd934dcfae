// JSON Merge Patch (RFC 7396) for tenant settings: PATCH sends only what changes. An object merges
// key by key, `null` removes a key, anything else (arrays included) replaces the value.

export type JsonObject = Record<string, unknown>;

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

export function mergePatch(target: JsonObject, patch: JsonObject): JsonObject {
  const out: JsonObject = { ...target };
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else if (isObject(v)) out[k] = mergePatch(isObject(out[k]) ? out[k] : {}, v);
    else out[k] = v;
  }
  return out;
}
