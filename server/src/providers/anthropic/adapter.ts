// The `anthropic` provider type: Anthropic's Messages API behind the canonical OpenAI shape.
// Base URL: https://api.anthropic.com (with or without /v1). No embeddings or legacy completions.
import type { ProviderAdapter } from '../ports.js';
import { buildAnthropicChatRequest } from './build-request.js';
import { buildAnthropicCountTokensRequest, parseAnthropicCountTokensResponse } from './count-tokens.js';
import { parseAnthropicError } from './parse-error.js';
import { parseAnthropicChatResponse } from './parse-response.js';
import { createAnthropicStreamParser } from './stream-parser.js';

export const anthropicAdapter: ProviderAdapter = {
  type: 'anthropic',
  buildChatRequest: buildAnthropicChatRequest,
  parseChatResponse: parseAnthropicChatResponse,
  createStreamParser: createAnthropicStreamParser,
  buildCountTokensRequest: buildAnthropicCountTokensRequest,
  parseCountTokensResponse: parseAnthropicCountTokensResponse,
  parseError: parseAnthropicError,
};
