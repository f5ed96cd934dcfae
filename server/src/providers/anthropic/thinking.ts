// Extended thinking on the OpenAI side of the Anthropic adapter, in LiteLLM's convention:
// responses carry `reasoning_content` (the thinking text) and `thinking_blocks` (the blocks with
// their signatures); requests ask for thinking with `reasoning_effort` or a pass-through `thinking`
// object, and send earlier blocks back as `thinking_blocks` on assistant messages.
//
// Requests translated from /v1/messages carry Anthropic's own `thinking` and blocks under symbol
// keys instead: JSON.stringify never writes symbol keys, so an OpenAI-compatible upstream (which
// gets the canonical body as is, and may reject unknown fields) never sees them, while this adapter
// restores them unchanged for an Anthropic upstream.
import { arr, isObject, nativeOf, str, type Json } from '../common/json.js';

/** Anthropic's `thinking` request object of a /v1/messages call (on the canonical request). */
export const NATIVE_THINKING_CONFIG: unique symbol = Symbol.for('tollgate.anthropic.thinking');
/** An assistant turn's thinking / redacted_thinking blocks, in order (on the canonical message). */
export const NATIVE_THINKING_BLOCKS: unique symbol = Symbol.for('tollgate.anthropic.thinking-blocks');

/** `reasoning_effort` → `budget_tokens` (LiteLLM's budgets; Anthropic's minimum budget is 1024). */
export const THINKING_BUDGETS: Record<string, number> = { minimal: 1024, low: 1024, medium: 2048, high: 4096 };
export const MIN_THINKING_BUDGET = 1024;

/** Blocks Anthropic accepts back: thinking with its signature, redacted_thinking with its data.
 *  A block with no signature was not produced by Anthropic (it would be refused). */
function isReplayable(b: unknown): b is Json {
  if (!isObject(b)) return false;
  if (b['type'] === 'thinking') return typeof b['signature'] === 'string' && b['signature'].length > 0;
  return b['type'] === 'redacted_thinking' && typeof b['data'] === 'string' && b['data'].length > 0;
}

/** Thinking blocks of an assistant message: the /v1/messages originals as they came, else
 *  LiteLLM's `thinking_blocks` reduced to the fields Anthropic takes. Unsigned blocks are dropped. */
export function assistantThinkingBlocks(msg: Json): Json[] {
  const native = nativeOf(msg, NATIVE_THINKING_BLOCKS);
  if (Array.isArray(native)) return native.filter(isReplayable);
  return arr(msg['thinking_blocks'])
    .filter(isReplayable)
    .map((b) =>
      b['type'] === 'thinking'
        ? { type: 'thinking', thinking: str(b['thinking']) ?? '', signature: b['signature'] }
        : { type: 'redacted_thinking', data: b['data'] },
    );
}

export interface ThinkingPlan {
  /** Anthropic's `thinking` object, or undefined to leave thinking off. */
  thinking: Json | undefined;
  maxTokens: number;
}

/**
 * The `thinking` object and `max_tokens` for a request. Precedence: the /v1/messages original, a
 * pass-through `thinking` object, then `reasoning_effort`. `cap` is the client's output cap, which
 * (as with OpenAI's reasoning models) includes the thinking; with no cap the answer keeps the
 * default allowance on top of the budget. A budget that would not fit under the client's cap
 * leaves thinking off rather than failing the request.
 */
export function planThinking(req: Json, cap: number | undefined, defaultMaxTokens: number): ThinkingPlan {
  const native = nativeOf(req, NATIVE_THINKING_CONFIG);
  const explicit = isObject(native) ? native : isObject(req['thinking']) ? req['thinking'] : undefined;
  if (explicit) {
    const budget = typeof explicit['budget_tokens'] === 'number' ? explicit['budget_tokens'] : 0;
    const maxTokens = cap ?? (budget >= defaultMaxTokens ? budget + defaultMaxTokens : defaultMaxTokens);
    return { thinking: explicit, maxTokens };
  }
  const effort = str(req['reasoning_effort']);
  const wanted = effort !== undefined ? THINKING_BUDGETS[effort] : undefined;
  if (wanted === undefined) return { thinking: undefined, maxTokens: cap ?? defaultMaxTokens };
  if (cap === undefined) return { thinking: enabled(wanted), maxTokens: wanted + defaultMaxTokens };
  const budget = Math.min(wanted, cap - 1);
  return { thinking: budget >= MIN_THINKING_BUDGET ? enabled(budget) : undefined, maxTokens: cap };
}

function enabled(budget: number): Json {
  return { type: 'enabled', budget_tokens: budget };
}

export function isThinkingOn(thinking: Json | undefined): boolean {
  return thinking !== undefined && thinking['type'] !== 'disabled';
}
