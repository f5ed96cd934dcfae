// OpenAI's `response_format` on Claude: a tool whose input schema is the wanted JSON schema
// (`json_schema`) or any object (`json_object`), forced with tool_choice, so Claude answers with
// schema-shaped tool input. The response side turns that tool's input back into message content
// (and content deltas when streaming) and its `tool_use` stop into finish_reason `stop`.
// The tool name is reserved, so the parsers recognise it without seeing the request.
import { isObject, str, type Json } from '../common/json.js';

export const JSON_TOOL_NAME = 'tollgate_json_response';

/** The tool standing for `response_format`, or null when the format asks for no JSON. */
export function responseFormatTool(format: unknown): Json | null {
  if (!isObject(format)) return null;
  if (format['type'] === 'json_object') {
    return {
      name: JSON_TOOL_NAME,
      description: 'Give your answer as a JSON object: the input of this tool.',
      input_schema: { type: 'object', additionalProperties: true },
    };
  }
  if (format['type'] !== 'json_schema') return null;
  const spec = isObject(format['json_schema']) ? format['json_schema'] : {};
  const schema = isObject(spec['schema']) ? spec['schema'] : { type: 'object', additionalProperties: true };
  const about = str(spec['description']) ?? str(spec['name']);
  return {
    name: JSON_TOOL_NAME,
    description: `Give your answer as this tool's input${about ? ` (${about})` : ''}.`,
    input_schema: schema,
  };
}

/**
 * tool_choice with the JSON tool added. Forced when the client's own tools are absent or ruled
 * out (`none`); with client tools, a tool call is required (theirs or the JSON one) unless the
 * client chose otherwise. Thinking forbids forced tool use, so with thinking on it stays `auto`.
 */
export function jsonToolChoice(clientChoice: Json | undefined, hasClientTools: boolean, thinkingOn: boolean): Json {
  const keepParallel = clientChoice?.['disable_parallel_tool_use'] === true ? { disable_parallel_tool_use: true } : {};
  if (thinkingOn) return { type: 'auto', ...keepParallel };
  if (!hasClientTools || clientChoice?.['type'] === 'none') return { type: 'tool', name: JSON_TOOL_NAME };
  return clientChoice ?? { type: 'any' };
}
