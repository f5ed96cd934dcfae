// The operator's YAML file (TOLLGATE_CONFIG): read, interpolate ${ENV}, validate. Every problem is
// reported with the file name, the path inside the file, its line, and what is wrong, e.g.
//   tollgate.yaml: models[0].deployments[0].weight (line 12): must be an integer ≥ 0
import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument, type Document } from 'yaml';
import { ConfigError } from '../config/config.js';
import { catalogFileSchema, type CatalogFile } from './catalog-schema.js';
import { formatPath, interpolateTree, type YamlPath } from './interpolate-env.js';

export interface FileProblem {
  path: string;
  line: number | null;
  message: string;
}

/** Extends ConfigError so main.ts prints the message alone, without a stack trace. */
export class CatalogFileError extends ConfigError {
  constructor(
    readonly file: string,
    readonly problems: readonly FileProblem[],
  ) {
    const lines = problems.map((p) => `  ${file}: ${p.path}${p.line ? ` (line ${p.line})` : ''}: ${p.message}`);
    super(`invalid config file ${file}:\n${lines.join('\n')}`);
  }
}

function lineOf(doc: Document, counter: LineCounter, path: YamlPath): number | null {
  // Walk up to the nearest node that exists (a missing key has no position; its parent does).
  for (let n = path.length; n >= 0; n--) {
    const node = doc.getIn(path.slice(0, n), true) as { range?: [number, number, number] } | undefined;
    if (node && typeof node === 'object' && node.range) return counter.linePos(node.range[0]).line;
  }
  return null;
}

/** Parse and validate the file's text. Pure: the environment is passed in. */
export function parseCatalogFile(
  text: string,
  file: string,
  env: Readonly<Record<string, string | undefined>>,
): CatalogFile {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    // The first syntax error is the real one; the rest are usually its echo down the file.
    throw new CatalogFileError(
      file,
      doc.errors.slice(0, 1).map((e) => ({
        path: '(syntax)',
        line: counter.linePos(e.pos[0]).line,
        message: e.message.split('\n')[0] ?? 'YAML syntax error',
      })),
    );
  }
  const raw: unknown = doc.toJS() ?? {};
  const { value, problems } = interpolateTree(raw, env);
  if (problems.length > 0) {
    throw new CatalogFileError(
      file,
      problems.map((p) => ({ path: formatPath(p.path), line: lineOf(doc, counter, p.path), message: p.message })),
    );
  }
  const parsed = catalogFileSchema.safeParse(value);
  if (!parsed.success) {
    throw new CatalogFileError(
      file,
      parsed.error.issues.map((i) => {
        const path = i.path.filter((p): p is string | number => typeof p !== 'symbol');
        return { path: formatPath(path), line: lineOf(doc, counter, path), message: i.message };
      }),
    );
  }
  return parsed.data;
}

/** Read the file from disk (the one I/O step) and parse it. */
export function loadCatalogFile(file: string, env: Readonly<Record<string, string | undefined>>): CatalogFile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const reason =
      (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : `cannot read: ${(e as Error).message}`;
    throw new CatalogFileError(file, [{ path: '(file)', line: null, message: reason }]);
  }
  return parseCatalogFile(text, file, env);
}
