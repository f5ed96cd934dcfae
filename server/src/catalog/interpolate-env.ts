// ${VAR} interpolation for the operator file, applied to string values of the parsed YAML tree (so
// an error can name the exact path). `${VAR:-default}` supplies a default when VAR is unset or
// empty; `$${` writes a literal `${`. A missing variable without a default is an error: silently
// sending an empty API key upstream would only fail later and less clearly. A whole value written
// LiteLLM's way, `os.environ/VAR`, is read the same as `${VAR}`: operators copy model_list files,
// and that text sent upstream as an API key would only fail later as a provider's 401.

export type YamlPath = readonly (string | number)[];

export interface InterpolationProblem {
  path: YamlPath;
  message: string;
}

const PATTERN = /\$\$\{|\$\{([^}]*)\}/g;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const LITELLM_REF = /^\s*os\.environ\/(.*?)\s*$/;

export function interpolateString(
  value: string,
  env: Readonly<Record<string, string | undefined>>,
): { ok: true; value: string } | { ok: false; message: string } {
  const litellm = LITELLM_REF.exec(value);
  if (litellm) {
    const name = litellm[1]!;
    if (!NAME.test(name)) return { ok: false, message: `"${value.trim()}" is not a valid variable reference` };
    const v = env[name];
    if (v !== undefined && v !== '') return { ok: true, value: v };
    return { ok: false, message: `environment variable ${name} is not set (set it, or write \${${name}:-default})` };
  }
  let problem: string | null = null;
  const out = value.replace(PATTERN, (match, expr: string | undefined) => {
    if (match === '$${') return '${';
    const body = expr ?? '';
    const sep = body.indexOf(':-');
    const name = sep === -1 ? body : body.slice(0, sep);
    if (!NAME.test(name)) {
      problem ??= `"\${${body}}" is not a valid variable reference (use \${NAME} or \${NAME:-default})`;
      return match;
    }
    const v = env[name];
    if (v !== undefined && v !== '') return v;
    if (sep !== -1) return body.slice(sep + 2);
    problem ??= `environment variable ${name} is not set (set it, or write \${${name}:-default})`;
    return match;
  });
  return problem === null ? { ok: true, value: out } : { ok: false, message: problem };
}

/** A copy of `tree` with every string interpolated, plus every problem found (not just the first). */
export function interpolateTree(
  tree: unknown,
  env: Readonly<Record<string, string | undefined>>,
): { value: unknown; problems: InterpolationProblem[] } {
  const problems: InterpolationProblem[] = [];
  const walk = (node: unknown, path: (string | number)[]): unknown => {
    if (typeof node === 'string') {
      const r = interpolateString(node, env);
      if (r.ok) return r.value;
      problems.push({ path, message: r.message });
      return node;
    }
    if (Array.isArray(node)) return node.map((v, i) => walk(v, [...path, i]));
    if (node && typeof node === 'object') {
      return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, walk(v, [...path, k])]));
    }
    return node;
  };
  return { value: walk(tree, []), problems };
}

/** `models[0].deployments[1].provider` */
export function formatPath(path: YamlPath): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${p}` : p;
  return out || '(top level)';
}
