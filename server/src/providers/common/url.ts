// Joining operator-configured base URLs with API paths: tolerant of trailing slashes, never of
// tenant input (base URLs are operator-only settings).

export function joinUrl(base: string, path: string): string {
  const b = base.endsWith('/') ? base.replace(/\/+$/, '') : base;
  return path.startsWith('/') ? b + path : `${b}/${path}`;
}

/** True when the base URL already ends in a version segment such as `/v1` or `/v1beta`. */
export function endsWithVersion(base: string): boolean {
  return /\/v\d+[a-z0-9]*\/?$/i.test(base);
}
