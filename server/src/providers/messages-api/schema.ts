// The inbound Anthropic Messages API request (POST /v1/messages) as a zod schema: the trust
// boundary. Loose objects: fields Tollgate does not translate pass validation and are ignored.
import { z } from 'zod';

const textBlock = z.looseObject({ type: z.literal('text'), text: z.string() });

const imageSource = z.union([
  z.looseObject({ type: z.literal('base64'), media_type: z.string().min(1), data: z.string() }),
  z.looseObject({ type: z.literal('url'), url: z.string().min(1) }),
]);

const contentBlock = z.union([
  textBlock,
  z.looseObject({ type: z.literal('image'), source: imageSource }),
  z.looseObject({ type: z.literal('tool_use'), id: z.string().min(1), name: z.string().min(1), input: z.unknown() }),
  z.looseObject({
    type: z.literal('tool_result'),
    tool_use_id: z.string().min(1),
    content: z.union([z.string(), z.array(z.looseObject({ type: z.string() }))]).optional(),
    is_error: z.boolean().optional(),
  }),
  // thinking / redacted_thinking (forwarded to Anthropic upstreams only), document, … : accepted.
  z.looseObject({ type: z.string() }),
]);

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
