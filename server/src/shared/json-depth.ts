// Depth of untrusted JSON values, measured without recursion: JSON.stringify (and anything else
// recursive) overflows the stack on values nested a few thousand levels deep, which a 1 MiB
// request body carries easily.

/** Is `value` nested deeper than `maxDepth` levels of objects and arrays? Stops at the first too-deep node. */
export function nestedDeeperThan(value: unknown, maxDepth: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  for (let item = stack.pop(); item; item = stack.pop()) {
    const [v, depth] = item;
    if (v === null || typeof v !== 'object') continue;
    if (depth >= maxDepth) return true;
    for (const child of Object.values(v)) stack.push([child, depth + 1]);
  }
  return false;
}

/**
 * Is the JSON text nested deeper than `maxDepth` levels of objects and arrays? A scan of the text
 * (brackets inside strings skipped), so a body can be refused before it is parsed and before any
 * recursive code (JSON.stringify, token estimates, content hashes) meets it. Malformed text is
 * not judged here: JSON.parse does that.
 */
export function jsonTextDeeperThan(text: string, maxDepth: number): boolean {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // A string: jump to its closing quote with indexOf (native speed over a base64 image),
      // skipping quotes escaped by an odd number of backslashes.
      for (let from = i + 1; ;) {
        const q = text.indexOf('"', from);
        if (q === -1) return false; // unterminated: JSON.parse will say so
        let b = q - 1;
        while (text.charCodeAt(b) === 0x5c) b--;
        from = q + 1;
        if ((q - 1 - b) % 2 === 0) {
          i = q;
          break;
        }
      }
    } else if (c === 0x7b || c === 0x5b) {
      if (++depth > maxDepth) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}
