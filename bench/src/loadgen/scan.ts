/**
 * Decoders for the bench payload that do not build objects: they find each `"i":<int>` and the `"t":<number>`
 * after it (the order `payloadJson` writes them in). Several times cheaper per event than `JSON.parse` of
 * the frame, which matters when one load-generator core must keep up with a server that batches.
 * Subscribers that decode this way are cross-checked by a sample that runs `JSON.parse` (see `pubsub.ts`);
 * a frame these cannot read is counted as malformed or handed to `JSON.parse`, never silently skipped.
 */

// Needles start with a rare character: String#indexOf runs several times faster than for needles that
// start with `"`, which is everywhere in JSON. The quote before is checked separately.
const I_KEY = 'i":';
const T_KEY = 't":';
const T_NEXT = ',"t":';
const TYPE_TAIL = 'ype":"';

/** Index of the key `"<k>":` (needle `k":`) at or after `from`, or -1. */
function findKey(s: string, needle: string, from: number): number {
  for (let p = s.indexOf(needle, from); p >= 0; p = s.indexOf(needle, p + 1)) {
    if (s.charCodeAt(p - 1) === 34) return p - 1;
  }
  return -1;
}

/** Index of the next `"type":"` at or after `from` (needle `ype":"`), or -1. */
function findType(s: string, from: number): number {
  for (let p = s.indexOf(TYPE_TAIL, from); p >= 0; p = s.indexOf(TYPE_TAIL, p + 1)) {
    if (s.charCodeAt(p - 1) === 116 && s.charCodeAt(p - 2) === 34) return p - 2;
  }
  return -1;
}

/** Reads `i` and `t` of the payload whose `"i":` key is at `a` into `out`; returns the index after `t`, or -1. */
function readPair(s: string, a: number, out: number[]): number {
  let k = a + 4;
  let c = s.charCodeAt(k);
  if (c < 48 || c > 57) return -1;
  let i = 0;
  while (c >= 48 && c <= 57) {
    i = i * 10 + (c - 48);
    c = s.charCodeAt(++k);
  }
  const b = s.startsWith(T_NEXT, k) ? k + 1 : findKey(s, T_KEY, k);
  if (b < 0) return -1;
  // Fast path for plain decimals (what payloadJson writes); anything else goes through Number().
  let e = b + 4;
  let t = 0;
  let scale = 0;
  c = s.charCodeAt(e);
  while ((c >= 48 && c <= 57) || (c === 46 && scale === 0)) {
    if (c === 46) scale = 1;
    else {
      t = t * 10 + (c - 48);
      if (scale) scale *= 10;
    }
    c = s.charCodeAt(++e);
  }
  if (c === 45 || c === 43 || c === 101 || c === 69 || c === 46) {
    while ((c >= 48 && c <= 57) || c === 46 || c === 45 || c === 43 || c === 101 || c === 69)
      c = s.charCodeAt(++e);
    t = Number(s.slice(b + 4, e));
  } else if (scale) {
    t /= scale;
  }
  if (e === b + 4 || Number.isNaN(t)) return -1;
  out.push(i, t);
  return e;
}

/**
 * All payloads of a frame, whatever wraps them (a bare relay frame, a Socket.IO packet): pushes
 * `i, t` pairs to `out` and returns how many, or -1 if one could not be read.
 */
export function scanEvents(s: string, out: number[]): number {
  out.length = 0;
  for (let p = 0; ; ) {
    const a = findKey(s, I_KEY, p);
    if (a < 0) return out.length / 2;
    p = readPair(s, a, out);
    if (p < 0) return -1;
  }
}

/**
 * A frame of typed messages (`{"type":...}` or `{"type":"batch","items":[...]}`), read only if every
 * message in it is of type `eventType`: pushes `i, t` pairs to `out` and returns how many; returns -1
 * if the frame holds anything else (the caller then parses it) or an event could not be read.
 */
export function scanTypedEvents(s: string, eventType: string, out: number[]): number {
  out.length = 0;
  const value = '"type":"'.length;
  let p = findType(s, 0);
  if (p < 0) return -1;
  if (s.startsWith('batch"', p + value)) p = findType(s, p + value);
  if (p < 0) return -1;
  while (p >= 0) {
    const q = p + value;
    if (!s.startsWith(eventType, q) || s.charCodeAt(q + eventType.length) !== 34) return -1;
    const a = findKey(s, I_KEY, q);
    if (a < 0) return -1;
    const e = readPair(s, a, out);
    if (e < 0) return -1;
    p = findType(s, e);
  }
  return out.length / 2;
}
