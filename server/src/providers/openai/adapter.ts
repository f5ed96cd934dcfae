// The `openai` provider type: OpenAI itself and any OpenAI-compatible base URL (OpenRouter, Groq,
// Together, Mistral, DeepSeek, vLLM, Ollama, LM Studio). Base URL includes the version segment,
// e.g. https://api.openai.com/v1, https://openrouter.ai/api/v1, http://localhost:11434/v1.
import type { ProviderAdapter } from '../ports.js';
import {
  buildOpenAIChatRequest,
  buildOpenAICompletionsRequest,
  buildOpenAIEmbeddingsRequest,
} from './build-request.js';
import { parseOpenAIError } from './parse-error.js';
import {
  parseOpenAIChatResponse,
  parseOpenAICompletionsResponse,
  parseOpenAIEmbeddingsResponse,
} from './parse-response.js';
import { createOpenAICompletionsStreamParser, createOpenAIStreamParser } from './stream-parser.js';

export const openAIAdapter: ProviderAdapter = {
  type: 'openai',
  buildChatRequest: buildOpenAIChatRequest,
  parseChatResponse: parseOpenAIChatResponse,
  createStreamParser: createOpenAIStreamParser,
  buildEmbeddingsRequest: buildOpenAIEmbeddingsRequest,
  parseEmbeddingsResponse: parseOpenAIEmbeddingsResponse,
  buildCompletionsRequest: buildOpenAICompletionsRequest,
  parseCompletionsResponse: parseOpenAICompletionsResponse,
  createCompletionsStreamParser: createOpenAICompletionsStreamParser,
  parseError: parseOpenAIError,
};
