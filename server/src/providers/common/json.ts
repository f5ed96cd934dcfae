// Small helpers for reading untrusted JSON shapes without `any`.

export type Json = Record<string, unknown>;

export function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function safeParse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

export function num(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : 0;
}

export function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

export function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

/**
 * Values riding on a canonical object under symbol keys: JSON.stringify never writes them, so what
 * only one adapter or surface understands (Anthropic's own thinking config, a matched stop
 * sequence) passes through the OpenAI-shaped canonical form without reaching other upstreams.
 */
type SymbolBag = Record<symbol, unknown>;

export function nativeOf(o: object, key: symbol): unknown {
  return (o as SymbolBag)[key];
}

export function setNative(o: object, key: symbol, value: unknown): void {
  (o as SymbolBag)[key] = value;
}
