/**
 * A stable checksum of a JSON document, for the server's periodic state-sync check: equal documents give
 * equal checksums whatever their key order. Pure JS (no node:crypto) so a browser computes the same value.
 * It detects divergence; it is not a cryptographic hash.
 *
 * @example
 * checksum({ zones: {}, meta: { a: 1 } }) === checksum({ meta: { a: 1 }, zones: {} }) // true
 */

/**
 * JSON with object keys sorted (by UTF-16 code units, as `Array.prototype.sort` does), no whitespace.
 * Like `JSON.stringify`, `undefined` object fields are left out and non-finite numbers become `null`.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    const s = JSON.stringify(value);
    return s === undefined ? 'null' : s;
  }
  if (Array.isArray(value))
    return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const parts: string[] = [];
  for (const key of Object.keys(obj).sort()) {
    const v = obj[key];
    if (v === undefined || typeof v === 'function') continue;
    parts.push(`${JSON.stringify(key)}:${canonicalJson(v)}`);
  }
  return `{${parts.join(',')}}`;
}

/** cyrb53 (public domain, bryc): a fast 53-bit string hash over UTF-16 code units. */
export function cyrb53(str: string, seed = 0): number {
  let h1 = 0xdeadbeef ^ seed;
  let h2 = 0x41c6ce57 ^ seed;
  for (let i = 0; i < str.length; i++) {
    const ch = str.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
  h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

/** The checksum of a document: cyrb53 of its canonical JSON, as 14 hex digits. */
export function checksum(doc: unknown): string {
  return cyrb53(canonicalJson(doc)).toString(16).padStart(14, '0');
}
