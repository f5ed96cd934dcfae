// Gemini thought signatures across the OpenAI translation. Gemini 3 signs function calls
// (`thoughtSignature` on the functionCall part) and answers 400 when the first functionCall of a
// step comes back unsigned. OpenAI tool calls carry it the way Google's own OpenAI-compatible
// endpoint does: `extra_content: { google: { thought_signature } }`.
// https://ai.google.dev/gemini-api/docs/thought-signatures
import { isObject, str, type Json } from '../common/json.js';

/** Google's documented stand-in for calls Gemini did not sign (another model's history, or a client
 *  that dropped extra_content). The Gemini API FAQ allows this one or
 *  "context_engineering_is_the_way_to_go"; this one is the value cited for Vertex AI too. */
export const SKIP_THOUGHT_SIGNATURE = 'skip_thought_signature_validator';

/** Gemini 3 and later validate signatures; 2.5 signs only optionally and needs no stand-in. */
export function requiresThoughtSignature(upstreamModel: string): boolean {
  return /gemini-(?:[3-9]|\d{2,})(?:[.-]|$)/i.test(upstreamModel);
}

/** The functionCall part's signature, if any (REST JSON is camelCase; proto names are accepted too). */
export function signatureOfPart(part: Json): string | undefined {
  return str(part['thoughtSignature']) ?? str(part['thought_signature']);
}

/** The `extra_content` of an OpenAI tool call carrying `signature`. */
export function extraContentOf(signature: string): Json {
  return { google: { thought_signature: signature } };
}

/** The signature an OpenAI tool call carries back, if the client kept it. */
export function signatureOfToolCall(call: Json): string | undefined {
  const extra = call['extra_content'];
  if (!isObject(extra) || !isObject(extra['google'])) return undefined;
  const sig = str(extra['google']['thought_signature']);
  return sig && sig.length > 0 ? sig : undefined;
}

/** Gemini 3: the first functionCall of each model content without a signature gets the stand-in.
 *  Only the first: of parallel calls Gemini signs the first alone, and validates only that one. */
export function fillMissingSignatures(contents: Json[]): void {
  for (const c of contents) {
    if (c['role'] !== 'model' || !Array.isArray(c['parts'])) continue;
    const first = (c['parts'] as Json[]).find((p) => isObject(p['functionCall']));
    if (first && first['thoughtSignature'] === undefined) first['thoughtSignature'] = SKIP_THOUGHT_SIGNATURE;
  }
}
