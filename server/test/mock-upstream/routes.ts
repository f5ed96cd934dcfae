// Which wire format and operation a mock request path asks for.

export type MockFormat = 'openai' | 'azure' | 'anthropic' | 'gemini';
export type MockOp = 'chat' | 'embeddings' | 'completions' | 'models' | 'gemini-embed' | 'count-tokens';

export interface MockRoute {
  format: MockFormat;
  op: MockOp;
  /** Gemini/Azure carry the model (deployment) in the path. */
  pathModel?: string;
  /** Gemini streams are chosen by the path, not the body. */
  stream?: boolean;
}

const GEMINI =
  /^\/v1(?:beta|alpha)?\/models\/([^/:]+):(generateContent|streamGenerateContent|batchEmbedContents|embedContent)$/;
const AZURE = /^\/openai\/deployments\/([^/]+)\/(chat\/completions|embeddings|completions)$/;

export function routeOf(method: string, path: string): MockRoute | null {
  if (method === 'GET') return path === '/v1/models' || path === '/models' ? { format: 'openai', op: 'models' } : null;
  if (method !== 'POST') return null;
  switch (path) {
    case '/v1/chat/completions':
    case '/chat/completions':
      return { format: 'openai', op: 'chat' };
    case '/v1/embeddings':
    case '/embeddings':
      return { format: 'openai', op: 'embeddings' };
    case '/v1/completions':
    case '/completions':
      return { format: 'openai', op: 'completions' };
    case '/v1/messages':
      return { format: 'anthropic', op: 'chat' };
    case '/v1/messages/count_tokens':
      return { format: 'anthropic', op: 'count-tokens' };
  }
  const g = GEMINI.exec(path);
  if (g) {
    const model = decodeURIComponent(g[1]!);
    if (g[2] === 'generateContent') return { format: 'gemini', op: 'chat', pathModel: model, stream: false };
    if (g[2] === 'streamGenerateContent') return { format: 'gemini', op: 'chat', pathModel: model, stream: true };
    return { format: 'gemini', op: 'gemini-embed', pathModel: model };
  }
  const a = AZURE.exec(path);
  if (a) {
    const op = a[2] === 'chat/completions' ? 'chat' : a[2] === 'embeddings' ? 'embeddings' : 'completions';
    return { format: 'azure', op, pathModel: decodeURIComponent(a[1]!) };
  }
  return null;
}
