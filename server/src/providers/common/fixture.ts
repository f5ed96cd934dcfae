// Test helper: read a provider's recorded wire fixture (fixtures/ beside the adapter).
import { readFileSync } from 'node:fs';

export function fixtureText(baseUrl: string, name: string): string {
  return readFileSync(new URL(`./fixtures/${name}`, baseUrl), 'utf8');
}

export function fixtureJson(baseUrl: string, name: string): unknown {
  return JSON.parse(fixtureText(baseUrl, name)) as unknown;
}

/** Feed a parser the bytes of `text` cut at the given offsets (sorted, deduplicated). */
export function splitBytes(text: string, cuts: number[]): Uint8Array[] {
  const bytes = new TextEncoder().encode(text);
  const points = [...new Set(cuts.map((c) => Math.min(Math.max(c, 0), bytes.length)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let prev = 0;
  for (const p of [...points, bytes.length]) {
    out.push(bytes.subarray(prev, p));
    prev = p;
  }
  return out;
}
