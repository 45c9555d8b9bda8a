/**
 * How deep a JSON value nests, measured one way wherever a limit applies: each object or array is one level
 * (`{}` and `[]` are one, `{a: [1]}` two), a scalar none. The limits keep accepted values far below where
 * recursive code overflows the stack (JSON.stringify and the MessagePack encoder, at thousands of levels; json1's
 * walks): `MAX_META_DEPTH` for a document's `meta` (zone.ts) and the server's `MAX_DATA_DEPTH` for published data.
 */

/**
 * Whether `value` nests objects or arrays more than `max` levels deep. Goes at most `max + 1` levels down, so a
 * value of any depth (JSON.parse and the MessagePack decoder build them without recursing) is safe to check.
 *
 * @example
 * nestsDeeperThan({ a: [1] }, 2); // false: two levels
 * nestsDeeperThan({ a: [[1]] }, 2); // true: three
 */
export function nestsDeeperThan(value: unknown, max: number): boolean {
  if (value === null || typeof value !== 'object') return false;
  if (max <= 0) return true;
  for (const v of Array.isArray(value) ? value : Object.values(value))
    if (nestsDeeperThan(v, max - 1)) return true;
  return false;
}
