// Anthropic stop_reason ⇄ OpenAI finish_reason, one table used by both directions (the outbound
// anthropic adapter and the inbound /v1/messages surface).

const TO_OPENAI: Record<string, string> = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  pause_turn: 'stop',
  max_tokens: 'length',
  model_context_window_exceeded: 'length',
  tool_use: 'tool_calls',
  refusal: 'content_filter',
};

const TO_ANTHROPIC: Record<string, string> = {
  stop: 'end_turn',
  length: 'max_tokens',
  tool_calls: 'tool_use',
  function_call: 'tool_use',
  content_filter: 'refusal',
};

export function finishReasonFromAnthropic(stopReason: unknown): string {
  return (typeof stopReason === 'string' && TO_OPENAI[stopReason]) || 'stop';
}

export function stopReasonFromOpenAI(finishReason: unknown): string {
  return (typeof finishReason === 'string' && TO_ANTHROPIC[finishReason]) || 'end_turn';
}

/**
 * The stop sequence an Anthropic upstream stopped at, on the canonical choice: OpenAI's format has
 * no field for it, so it rides under a symbol key (never serialised) for the /v1/messages surface,
 * which answers `stop_reason: "stop_sequence"` with it as Anthropic did.
 */
export const MATCHED_STOP_SEQUENCE: unique symbol = Symbol.for('tollgate.anthropic.stop-sequence');

export function matchedStopSequence(stopReason: unknown, stopSequence: unknown): string | undefined {
  return stopReason === 'stop_sequence' && typeof stopSequence === 'string' ? stopSequence : undefined;
}
