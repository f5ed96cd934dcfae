// Prompt caching: Anthropic's `cache_control` breakpoints ({"type": "ephemeral", "ttl"?}) on system
// blocks, message content blocks, tool results, tool uses and tool definitions. Claude Code and
// most agent frameworks set them on every turn; without them each turn pays the full input price
// again, and with them Anthropic reports cache reads and writes, which the catalog prices apart.
//
// They reach the canonical (OpenAI-shaped) request two ways, and this adapter reads both:
// - from /v1/messages, under a symbol key on the canonical part, message, tool call or tool
//   (`keepCacheControl`): never serialised, so OpenAI and Gemini upstreams, which refuse or
//   ignore the field, never see it;
// - from an OpenAI-format client, as a `cache_control` property on a content part or a tool
//   (the convention LiteLLM and OpenRouter use for Anthropic models): passed on as the client sent it.
import { isObject, nativeOf, setNative, type Json } from '../common/json.js';

export const NATIVE_CACHE_CONTROL: unique symbol = Symbol.for('tollgate.anthropic.cache-control');
/** System and assistant text stays one string in the canonical request (what every OpenAI-compatible
 *  server takes); when the client's text blocks carry breakpoints, the blocks ride along here. */
export const NATIVE_TEXT_BLOCKS: unique symbol = Symbol.for('tollgate.anthropic.text-blocks');

/** The cache_control a canonical object carries, if any. */
export function cacheControlOf(o: unknown): Json | undefined {
  if (!isObject(o)) return undefined;
  const v = nativeOf(o, NATIVE_CACHE_CONTROL) ?? o['cache_control'];
  return isObject(v) ? v : undefined;
}

/** `block` (an Anthropic block being built) with the cache_control `from` carries. */
export function withCacheControl(block: Json, from: unknown): Json {
  const cc = cacheControlOf(from);
  if (cc) block['cache_control'] = cc;
  return block;
}

/** Inbound /v1/messages: the client block's cache_control kept on its canonical counterpart. */
export function keepCacheControl<T extends object>(target: T, block: Record<string, unknown>): T {
  const cc = cacheControlOf(block);
  if (cc) setNative(target, NATIVE_CACHE_CONTROL, cc);
  return target;
}

export function hasCacheControl(o: object): boolean {
  return cacheControlOf(o) !== undefined;
}

/** Inbound /v1/messages: a system or assistant message whose text blocks carry breakpoints keeps
 *  them (as Anthropic text blocks) beside its one-string content. */
export function keepTextBlocks(msg: Json, blocks: readonly ({ text: string } & Record<string, unknown>)[]): Json {
  if (blocks.some(hasCacheControl))
    setNative(
      msg,
      NATIVE_TEXT_BLOCKS,
      blocks.map((b) => withCacheControl({ type: 'text', text: b.text }, b)),
    );
  return msg;
}

/** The text blocks keepTextBlocks kept, if any. */
export function nativeTextBlocks(msg: Json): Json[] | undefined {
  const v = nativeOf(msg, NATIVE_TEXT_BLOCKS);
  return Array.isArray(v) ? (v as Json[]) : undefined;
}
