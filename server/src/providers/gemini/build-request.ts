// Canonical (OpenAI) chat request → Gemini generateContent request: `contents` of user/model turns
// made of parts, `systemInstruction`, `generationConfig`, `tools[].functionDeclarations`.
// Tool calls' thought signatures go back on their functionCall parts (see thought-signature.ts).
import type { ChatRequest, ProviderEndpoint, UpstreamRequest } from '../ports.js';
import { arr, isObject, safeParse, str, type Json } from '../common/json.js';
import { endsWithVersion, joinUrl } from '../common/url.js';
import { textOf } from '../anthropic/content.js';
import { cleanSchema } from './schema.js';
import { fillMissingSignatures, requiresThoughtSignature, signatureOfToolCall } from './thought-signature.js';

const DATA_URL = /^data:([^;,]+);base64,(.*)$/s;
const MIME_BY_EXT: Record<string, string> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  pdf: 'application/pdf',
};

function imagePart(url: string): Json {
  const m = DATA_URL.exec(url);
  if (m) return { inlineData: { mimeType: m[1], data: m[2] } };
  const ext = /\.([a-z0-9]+)(?:[?#].*)?$/i.exec(url)?.[1]?.toLowerCase();
  return { fileData: { mimeType: (ext && MIME_BY_EXT[ext]) || 'image/jpeg', fileUri: url } };
}

function partsOf(content: unknown): Json[] {
  if (typeof content === 'string') return content.length > 0 ? [{ text: content }] : [];
  const parts: Json[] = [];
  for (const p of arr(content)) {
    if (!isObject(p)) continue;
    if (p['type'] === 'text' && typeof p['text'] === 'string') parts.push({ text: p['text'] });
    else if (p['type'] === 'image_url') {
      const iu = p['image_url'];
      const url = typeof iu === 'string' ? iu : isObject(iu) ? str(iu['url']) : undefined;
      if (url) parts.push(imagePart(url));
    }
  }
  return parts;
}

export function toGeminiContents(
  messages: unknown[],
  upstreamModel: string,
): { systemInstruction: Json | undefined; contents: Json[] } {
  const system: string[] = [];
  const contents: Json[] = [];
  const toolNames = new Map<string, string>(); // tool_call_id → function name (functionResponse needs the name)
  const add = (role: 'user' | 'model', parts: Json[]): void => {
    if (parts.length === 0) return;
    const last = contents[contents.length - 1];
    if (last && last['role'] === role) (last['parts'] as Json[]).push(...parts);
    else contents.push({ role, parts });
  };
  for (const m of messages) {
    if (!isObject(m)) continue;
    const role = m['role'];
    if (role === 'system' || role === 'developer') {
      const t = textOf(m['content']);
      if (t) system.push(t);
    } else if (role === 'assistant') {
      const parts = partsOf(m['content']);
      for (const call of arr(m['tool_calls'])) {
        if (!isObject(call) || !isObject(call['function'])) continue;
        const name = str(call['function']['name']) ?? '';
        const args = safeParse(str(call['function']['arguments']) ?? '{}');
        if (typeof call['id'] === 'string') toolNames.set(call['id'], name);
        const part: Json = { functionCall: { name, args: isObject(args) ? args : {} } };
        const signature = signatureOfToolCall(call);
        if (signature) part['thoughtSignature'] = signature;
        parts.push(part);
      }
      add('model', parts);
    } else if (role === 'tool') {
      const text = textOf(m['content']);
      const parsed = safeParse(text);
      // functionResponse.response must be an object: JSON objects pass as-is, anything else is wrapped.
      const response = isObject(parsed) ? parsed : { content: parsed ?? text };
      const name = toolNames.get(str(m['tool_call_id']) ?? '') ?? str(m['name']) ?? '';
      add('user', [{ functionResponse: { name, response } }]);
    } else {
      add('user', partsOf(m['content']));
    }
  }
  if (requiresThoughtSignature(upstreamModel)) fillMissingSignatures(contents);
  return { systemInstruction: system.length > 0 ? { parts: [{ text: system.join('\n\n') }] } : undefined, contents };
}

function generationConfig(req: ChatRequest): Json | undefined {
  const g: Json = {};
  const copy = (from: string, to: string): void => {
    if (typeof req[from] === 'number') g[to] = req[from];
  };
  copy('temperature', 'temperature');
  copy('top_p', 'topP');
  copy('n', 'candidateCount');
  copy('presence_penalty', 'presencePenalty');
  copy('frequency_penalty', 'frequencyPenalty');
  copy('seed', 'seed');
  const max = req.max_completion_tokens ?? req.max_tokens;
  if (typeof max === 'number') g['maxOutputTokens'] = max;
  const stop = req['stop'];
  if (typeof stop === 'string') g['stopSequences'] = [stop];
  else if (Array.isArray(stop) && stop.length > 0) g['stopSequences'] = stop;
  const rf = req['response_format'];
  if (isObject(rf) && (rf['type'] === 'json_object' || rf['type'] === 'json_schema')) {
    g['responseMimeType'] = 'application/json';
    const js = rf['json_schema'];
    if (isObject(js) && isObject(js['schema'])) g['responseSchema'] = cleanSchema(js['schema']);
  }
  return Object.keys(g).length > 0 ? g : undefined;
}

function toolsOf(req: ChatRequest): { tools?: Json[]; toolConfig?: Json } {
  const decls: Json[] = [];
  for (const t of arr(req['tools'])) {
    if (!isObject(t) || !isObject(t['function'])) continue;
    const fn = t['function'];
    const d: Json = { name: str(fn['name']) ?? '' };
    if (typeof fn['description'] === 'string') d['description'] = fn['description'];
    if (isObject(fn['parameters'])) d['parameters'] = cleanSchema(fn['parameters']);
    decls.push(d);
  }
  if (decls.length === 0) return {};
  const choice = req['tool_choice'];
  let fcc: Json | undefined;
  if (choice === 'auto') fcc = { mode: 'AUTO' };
  else if (choice === 'required') fcc = { mode: 'ANY' };
  else if (choice === 'none') fcc = { mode: 'NONE' };
  else if (isObject(choice) && isObject(choice['function']))
    fcc = { mode: 'ANY', allowedFunctionNames: [str(choice['function']['name']) ?? ''] };
  return { tools: [{ functionDeclarations: decls }], ...(fcc ? { toolConfig: { functionCallingConfig: fcc } } : {}) };
}

export function toGeminiBody(req: ChatRequest, upstreamModel: string): Json {
  const { systemInstruction, contents } = toGeminiContents(req.messages, upstreamModel);
  const body: Json = { contents };
  if (systemInstruction) body['systemInstruction'] = systemInstruction;
  const gc = generationConfig(req);
  if (gc) body['generationConfig'] = gc;
  Object.assign(body, toolsOf(req));
  return body;
}

export function geminiBase(p: ProviderEndpoint): string {
  // https://generativelanguage.googleapis.com[/v1beta]
  return endsWithVersion(p.baseUrl) ? p.baseUrl : joinUrl(p.baseUrl, '/v1beta');
}

export function geminiHeaders(p: ProviderEndpoint): Record<string, string> {
  const h: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json', ...p.headers };
  if (p.apiKey) h['x-goog-api-key'] = p.apiKey;
  return h;
}

export function geminiModelPath(model: string): string {
  return `/models/${encodeURIComponent(model.replace(/^models\//, ''))}`;
}

export function buildGeminiChatRequest(p: ProviderEndpoint, upstreamModel: string, req: ChatRequest): UpstreamRequest {
  const method = req.stream === true ? ':streamGenerateContent?alt=sse' : ':generateContent';
  return {
    url: joinUrl(geminiBase(p), geminiModelPath(upstreamModel) + method),
    method: 'POST',
    headers: geminiHeaders(p),
    body: JSON.stringify(toGeminiBody(req, upstreamModel)),
  };
}
