// The BPE encoders, loaded lazily and kept: building an encoder from its rank table takes seconds
// of CPU (measured 1–3.5 s here), so it happens once per process, on first use or on
// preloadTokenizer() at start-up — never per request. Ranks ship inside js-tiktoken (no download).
import { createRequire } from 'node:module';
import { Tiktoken, type TiktokenBPE } from 'js-tiktoken/lite';

export type EncodingName = 'o200k_base' | 'cl100k_base';

const require = createRequire(import.meta.url);
const encoders = new Map<EncodingName, Tiktoken>();

function loadRanks(name: EncodingName): TiktokenBPE {
  // Literal specifiers so bundlers and `npm ls` see the dependency.
  const mod = (
    name === 'o200k_base' ? require('js-tiktoken/ranks/o200k_base') : require('js-tiktoken/ranks/cl100k_base')
  ) as TiktokenBPE | { default: TiktokenBPE };
  return 'default' in mod ? mod.default : mod;
}

export function getEncoder(name: EncodingName): Tiktoken {
  let enc = encoders.get(name);
  if (!enc) {
    enc = new Tiktoken(loadRanks(name));
    encoders.set(name, enc);
  }
  return enc;
}

/** o200k_base for the GPT-4o generation onwards (and as the estimate for non-OpenAI models, whose
 *  own tokenizers are not public); cl100k_base for GPT-4 / GPT-3.5 and the ada/3 embeddings. */
export function encodingForModel(model: string | undefined): EncodingName {
  const m = (model ?? '').toLowerCase().replace(/^.*\//, '');
  if (/^(gpt-4(?!o|\.)|gpt-3\.5|text-embedding-(ada|3)|babbage|davinci)/.test(m)) return 'cl100k_base';
  return 'o200k_base';
}

/** Pathologically long strings make BPE merging slow; past this size a byte-based bound is used. */
const MAX_EXACT_CHARS = 200_000;

export function countTextTokens(text: string, model?: string): number {
  if (text.length === 0) return 0;
  if (text.length > MAX_EXACT_CHARS) return Math.ceil(Buffer.byteLength(text, 'utf8') / 3);
  // allowedSpecial 'all' would interpret user text like "<|endoftext|>" as a control token; we count
  // it as plain text, and disallowedSpecial [] stops the encoder from throwing on it.
  return getEncoder(encodingForModel(model)).encode(text, [], []).length;
}

/** Build the encoder now (e.g. at gateway start) so the first unmetered stream pays nothing. */
export function preloadTokenizer(name: EncodingName = 'o200k_base'): void {
  getEncoder(name);
}
