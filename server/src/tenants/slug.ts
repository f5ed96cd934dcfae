// Pure: tenant slugs. A slug is lowercase ASCII letters, digits and single dashes, used in URLs and
// subdomains (seed 002: `{slug}.cloudfreedom.de`).

export const SLUG_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,46}[a-z0-9])?$/;
const MAX = 48;

/** "Müller & Söhne GmbH" → "muller-sohne-gmbh"; never empty. */
export function slugify(name: string): string {
  const s = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, MAX)
    .replace(/-+$/g, '');
  return s || 'tenant';
}

/** The n-th alternative for a taken slug: base, base-2, base-3… kept within the length limit. */
export function slugCandidate(base: string, n: number): string {
  if (n <= 1) return base;
  const suffix = `-${n}`;
  return base.slice(0, MAX - suffix.length).replace(/-+$/g, '') + suffix;
}
