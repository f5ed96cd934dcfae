// The chat call the probes send to the bench Tollgate (tollgate-server.ts): its bench model, the
// key it printed, a short prompt with max_tokens 32, as JSON or as a stream.
import type { LoadSpec } from './load-client.js';

export function tollgateCall(
  server: { port: number; secret: string },
  load: { stream: boolean; concurrency: number; maxRequests: number; durationMs: number },
): LoadSpec {
  return {
    origin: `http://127.0.0.1:${server.port}`,
    path: '/v1/chat/completions',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${server.secret}` },
    body: JSON.stringify({
      model: 'bench-model',
      messages: [{ role: 'user', content: 'Hello! How are you today?' }],
      max_tokens: 32,
      ...(load.stream ? { stream: true } : {}),
    }),
    ...load,
    warmup: 0,
  };
}
