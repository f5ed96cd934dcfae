// Token estimation, offline (js-tiktoken ranks ship in the package). See estimate-prompt.ts for
// which estimate the gateway uses when.
export { countTextTokens, encodingForModel, preloadTokenizer, type EncodingName } from './encoder.js';
export {
  estimateInputTokens,
  estimateInputTokensFast,
  estimatePromptTokens,
  estimatePromptTokensFast,
} from './estimate-prompt.js';
export { CompletionTally, estimateCompletionTokens, estimateResponseCompletionTokens } from './completion-tally.js';
