// Images inside a /v1/messages tool_result, which the canonical (OpenAI) shape cannot hold: OpenAI
// tool messages take text only. The translation (messages-api) therefore sends them two ways:
// - the tool message keeps the text, and carries the original tool_result block (text and images,
//   in order) under a symbol key, which only this adapter reads: an Anthropic upstream gets the
//   images back inside the tool_result;
// - a user message right after the turn's tool messages holds the images as image_url parts
//   (LiteLLM's convention), for every other upstream. It is marked so that this adapter, which
//   already has the images in the tool_result, leaves it out.
// Symbol keys are never serialised (see thinking.ts), so OpenAI-format upstreams see neither.
import { isObject, nativeOf, type Json } from '../common/json.js';

/** The Anthropic tool_result block of a canonical tool message whose result holds images. */
export const NATIVE_TOOL_RESULT: unique symbol = Symbol.for('tollgate.anthropic.tool-result');
/** Marks the user message that copies tool_result images for upstreams other than Anthropic. */
export const TOOL_RESULT_IMAGES_COPY: unique symbol = Symbol.for('tollgate.anthropic.tool-result-images-copy');

export function nativeToolResult(msg: Json): Json | undefined {
  const native = nativeOf(msg, NATIVE_TOOL_RESULT);
  return isObject(native) ? native : undefined;
}

export function isToolResultImagesCopy(msg: Json): boolean {
  return nativeOf(msg, TOOL_RESULT_IMAGES_COPY) === true;
}
