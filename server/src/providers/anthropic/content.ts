// OpenAI message content parts → Anthropic content blocks (text, images from data URLs or URLs),
// with their prompt-caching breakpoints (cache-control.ts).
import { isObject, str, type Json } from '../common/json.js';
import { withCacheControl } from './cache-control.js';

const DATA_URL = /^data:([^;,]+);base64,(.*)$/s;

export function imageBlockFromUrl(url: string): Json {
  const m = DATA_URL.exec(url);
  if (m) return { type: 'image', source: { type: 'base64', media_type: m[1], data: m[2] } };
  return { type: 'image', source: { type: 'url', url } };
}

/** Text of an OpenAI content value (string or parts), for places that only take text. */
export function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((p) => (isObject(p) && p['type'] === 'text' ? (str(p['text']) ?? '') : ''))
    .filter((t) => t.length > 0)
    .join('\n');
}

export function blocksFromContent(content: unknown): Json[] {
  if (typeof content === 'string') return content.length > 0 ? [{ type: 'text', text: content }] : [];
  if (!Array.isArray(content)) return [];
  const blocks: Json[] = [];
  for (const part of content) {
    if (!isObject(part)) continue;
    if (part['type'] === 'text' && typeof part['text'] === 'string') {
      blocks.push(withCacheControl({ type: 'text', text: part['text'] }, part));
    } else if (part['type'] === 'image_url') {
      const iu = part['image_url'];
      const url = typeof iu === 'string' ? iu : isObject(iu) ? str(iu['url']) : undefined;
      if (url) blocks.push(withCacheControl(imageBlockFromUrl(url), part));
    }
  }
  return blocks;
}
