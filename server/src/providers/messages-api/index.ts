// The inbound Anthropic Messages API surface (POST /v1/messages) ⇄ the canonical OpenAI shape.
export { messagesRequestSchema, type MessagesRequest } from './schema.js';
export {
  messagesToChatRequest,
  parseCountTokensRequest,
  parseMessagesRequest,
  type MessagesRequestError,
} from './from-messages-request.js';
export { anthropicUsageOf, chatResponseToMessage } from './to-messages-response.js';
export {
  MessagesStreamEncoder,
  formatSseEvent,
  type AnthropicEvent,
  type MessagesStreamOptions,
} from './stream-encoder.js';
export { anthropicErrorBody, anthropicErrorType } from './error-body.js';
