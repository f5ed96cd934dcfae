// The inbound Anthropic Messages API request (POST /v1/messages) as a zod schema: the trust
// boundary. Loose objects: fields Tollgate does not translate pass validation and are ignored.
// Content blocks are the exception to "ignored": each block type Tollgate translates has its
// required fields checked, and a block type it cannot translate (document, search_result, …) is a
// 400 rather than silently left out of the prompt.
import { z } from 'zod';

/** An unknown `type` value: say which, and what would have been accepted. */
function unsupportedType(what: string) {
  return (iss: { code: string; input?: unknown; options?: unknown }): string | undefined => {
    if (iss.code !== 'invalid_union') return undefined;
    const t = (iss.input as { type?: unknown } | undefined)?.type;
    const options = Array.isArray(iss.options) ? ` (supported: ${iss.options.join(', ')})` : '';
    return typeof t === 'string'
      ? `${what} type "${t}" is not supported${options}`
      : `${what} needs a string type${options}`;
  };
}

const textBlock = z.looseObject({ type: z.literal('text'), text: z.string() });

const imageSource = z.discriminatedUnion(
  'type',
  [
    z.looseObject({ type: z.literal('base64'), media_type: z.string().min(1), data: z.string().min(1) }),
    z.looseObject({ type: z.literal('url'), url: z.string().min(1) }),
  ],
  { error: unsupportedType('image source') },
);

const imageBlock = z.looseObject({ type: z.literal('image'), source: imageSource });

// Inside a tool_result, text and images are translated; any other block (document, search_result)
// is a 400 like at the top level: leaving it out would answer from a tool result the model never saw.
const toolResultContentBlock = z.discriminatedUnion('type', [textBlock, imageBlock], {
  error: unsupportedType('tool_result content block'),
});

const contentBlock = z.discriminatedUnion(
  'type',
  [
    textBlock,
    imageBlock,
    z.looseObject({
      type: z.literal('tool_use'),
      id: z.string().min(1),
      name: z.string().min(1),
      input: z.record(z.string(), z.unknown()),
    }),
    z.looseObject({
      type: z.literal('tool_result'),
      tool_use_id: z.string().min(1),
      content: z.union([z.string(), z.array(toolResultContentBlock)]).optional(),
      is_error: z.boolean().optional(),
    }),
    // Forwarded unchanged to Anthropic upstreams only (anthropic/thinking.ts), which check them.
    z.looseObject({ type: z.literal('thinking') }),
    z.looseObject({ type: z.literal('redacted_thinking') }),
  ],
  { error: unsupportedType('content block') },
);

export type ContentBlock = z.infer<typeof contentBlock>;
export type ImageBlock = z.infer<typeof imageBlock>;

export const messagesRequestSchema = z.looseObject({
  model: z.string().min(1),
  // Capped like the OpenAI routes' counts (gateway/request-checks.ts): more is a mistake, not a call.
  max_tokens: z
    .number()
    .int()
    .positive()
    .max(2 ** 31 - 1),
  messages: z
    .array(
      z.looseObject({ role: z.enum(['user', 'assistant']), content: z.union([z.string(), z.array(contentBlock)]) }),
    )
    .min(1),
  system: z.union([z.string(), z.array(textBlock)]).optional(),
  stop_sequences: z.array(z.string()).optional(),
  temperature: z.number().min(0).max(1).optional(),
  top_p: z.number().min(0).max(1).optional(),
  top_k: z.number().int().nonnegative().optional(),
  stream: z.boolean().optional(),
  tools: z
    .array(
      z.looseObject({
        name: z.string().min(1),
        description: z.string().optional(),
        input_schema: z.record(z.string(), z.unknown()),
      }),
    )
    .optional(),
  tool_choice: z
    .looseObject({
      type: z.enum(['auto', 'any', 'tool', 'none']),
      name: z.string().optional(),
      disable_parallel_tool_use: z.boolean().optional(),
    })
    .optional(),
  metadata: z.looseObject({ user_id: z.string().nullish() }).optional(),
  // Extended thinking ({type:'enabled', budget_tokens} and later forms): forwarded as is to
  // Anthropic upstreams only (see anthropic/thinking.ts).
  thinking: z.looseObject({ type: z.string() }).optional(),
});

export type MessagesRequest = z.infer<typeof messagesRequestSchema>;

/** POST /v1/messages/count_tokens: a Messages request without `max_tokens` (nothing is generated). */
export const countTokensRequestSchema = messagesRequestSchema.extend({
  max_tokens: messagesRequestSchema.shape.max_tokens.optional(),
});
