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
  return new Cyrb53(seed).update(str).digest();
}

/** cyrb53 fed piece by piece: `update(a).update(b)` hashes as `a + b` would, without building it. */
class Cyrb53 {
  private h1: number;
  private h2: number;

  constructor(seed = 0) {
    this.h1 = 0xdeadbeef ^ seed;
    this.h2 = 0x41c6ce57 ^ seed;
  }

  update(str: string): this {
    let { h1, h2 } = this;
    for (let i = 0; i < str.length; i++) {
      const ch = str.charCodeAt(i);
      h1 = Math.imul(h1 ^ ch, 2654435761);
      h2 = Math.imul(h2 ^ ch, 1597334677);
    }
    this.h1 = h1;
    this.h2 = h2;
    return this;
  }

  digest(): number {
    let { h1, h2 } = this;
    h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
    h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
    h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
    h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
    return 4294967296 * (2097151 & h2) + (h1 >>> 0);
  }
}

/** The checksum of a document: cyrb53 of its canonical JSON, as 14 hex digits. */
export function checksum(doc: unknown): string {
  const steps = checksumSteps(doc, Number.POSITIVE_INFINITY);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/**
 * `checksum(doc)` in steps: the generator stops after every `zonesPerStep` zones, and returns the checksum when done,
 * so that a page can spread a big document's checksum over several tasks (10,000 zones: ~190 ms the first time in
 * Node, ~23 ms after, in one task otherwise). `doc` must not change meanwhile (documents here never do: every edit
 * makes a new one).
 */
export function* checksumSteps(doc: unknown, zonesPerStep = 500): Generator<void, string, void> {
  const h = new Cyrb53();
  yield* hashCanonicalDocument(h, doc, zonesPerStep);
  return h.digest().toString(16).padStart(14, '0');
}

/**
 * Each zone object's canonical JSON, kept while the object lives. Zone objects are replaced, never changed,
 * by everything that edits a document here (json1's apply, `applyOneZone`), so a document's checksum costs
 * the canonical JSON of the zones changed since the last one plus one hash over the text (fed to the hash
 * piece by piece, never joined into one string), instead of the whole document's canonical JSON each time
 * (1,000 zones of ~540 characters: 1.4 ms instead of 6.7 ms; docs/architecture.md).
 */
const zoneJson = new WeakMap<object, string>();

const isPlainObject = (x: unknown): x is Record<string, unknown> =>
  typeof x === 'object' && x !== null && !Array.isArray(x);

/** Hashes `canonicalJson(doc)`, with the zones' canonical JSON taken from `zoneJson`; stops every `every` zones. */
function* hashCanonicalDocument(h: Cyrb53, doc: unknown, every: number): Generator<void, void, void> {
  if (!isPlainObject(doc) || !isPlainObject(doc.zones)) {
    h.update(canonicalJson(doc));
    return;
  }
  h.update('{');
  let first = true;
  for (const key of Object.keys(doc).sort()) {
    const v = doc[key];
    if (v === undefined || typeof v === 'function') continue;
    h.update(first ? `${JSON.stringify(key)}:` : `,${JSON.stringify(key)}:`);
    first = false;
    if (key === 'zones') yield* hashCanonicalZones(h, v as Record<string, unknown>, every);
    else h.update(canonicalJson(v));
  }
  h.update('}');
}

function* hashCanonicalZones(
  h: Cyrb53,
  zones: Record<string, unknown>,
  every: number,
): Generator<void, void, void> {
  h.update('{');
  let first = true;
  let n = 0;
  for (const id of Object.keys(zones).sort()) {
    if (++n > every) {
      n = 1;
      yield;
    }
    const z = zones[id];
    if (z === undefined || typeof z === 'function') continue;
    let json: string | undefined;
    if (isPlainObject(z)) {
      json = zoneJson.get(z);
      if (json === undefined) zoneJson.set(z, (json = canonicalJson(z)));
    } else json = canonicalJson(z);
    h.update(first ? `${JSON.stringify(id)}:` : `,${JSON.stringify(id)}:`);
    h.update(json);
    first = false;
  }
  h.update('}');
}
