// The reusable mock upstream (tests and bench/gateway). See README.md beside this file.
export { startMockUpstream, type MockUpstream, type MockUpstreamOptions, type RecordedRequest } from './server.js';
export {
  DEFAULT_CHUNKS,
  DEFAULT_PROMPT_TOKENS,
  expectedMockUsage,
  MOCK_THOUGHT_SIGNATURE,
  MOCK_TOOL_CALL,
  mockPieces,
  mockText,
  parseBehaviorHeader,
  type MockBehavior,
} from './behavior.js';
