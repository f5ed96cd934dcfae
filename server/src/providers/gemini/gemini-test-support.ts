// Test helpers shared by the gemini adapter's test files (not used by the app).
import type { ChatChunk, ProviderEndpoint } from '../ports.js';
import { geminiAdapter } from './adapter.js';

export const geminiEndpoint: ProviderEndpoint = {
  id: 'gem',
  type: 'gemini',
  baseUrl: 'https://generativelanguage.googleapis.com',
  apiKey: 'AIza-test',
};

/** A whole stream through the adapter's parser, fed in `pieces`. */
export function streamAll(text: string, pieces: (string | Uint8Array)[] = [text]) {
  const p = geminiAdapter.createStreamParser('gem-pub', { created: 5 });
  const chunks: ChatChunk[] = [];
  for (const piece of pieces) chunks.push(...p.push(piece));
  chunks.push(...p.end());
  return { chunks, usage: p.usage(), error: p.error(), completed: p.completed?.() };
}
