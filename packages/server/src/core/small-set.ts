/**
 * `items` with `x` appended, in a new array of exactly that length. (`[...items, x]` and `push` reserve ~17 slots:
 * ~150 bytes for a one-member room; `concat` allocates what it needs.)
 */
export const withItem = <T>(items: readonly T[], x: T): T[] => items.concat([x]);

/** `items` without the one at `i`, in a new array of exactly that length (`filter` reserves slots too). */
export const withoutIndex = <T>(items: readonly T[], i: number): T[] =>
  items.slice(0, i).concat(items.slice(i + 1));

/**
 * A set that is an array while small and a `Set` once it grows. Most rooms (a user's private room, a
 * document two people edit) and most users (one or two tabs) have a handful of members, and a `Set`
 * costs ~200 bytes even with one entry; at 10,000 idle connections that is the difference that matters.
 * Do not add or delete while iterating.
 */
export class SmallSet<T> implements Iterable<T> {
  private items: T[] | Set<T> = [];

  constructor(private readonly threshold = 8) {}

  get size(): number {
    const items = this.items;
    return Array.isArray(items) ? items.length : items.size;
  }

  has(x: T): boolean {
    const items = this.items;
    return Array.isArray(items) ? items.includes(x) : items.has(x);
  }

  add(x: T): void {
    const items = this.items;
    if (!Array.isArray(items)) {
      items.add(x);
    } else if (!items.includes(x)) {
      this.items = items.length >= this.threshold ? new Set([...items, x]) : withItem(items, x);
    }
  }

  delete(x: T): boolean {
    const items = this.items;
    if (!Array.isArray(items)) return items.delete(x);
    const i = items.indexOf(x);
    if (i < 0) return false;
    this.items = withoutIndex(items, i);
    return true;
  }

  clear(): void {
    this.items = [];
  }

  [Symbol.iterator](): Iterator<T> {
    return this.items[Symbol.iterator]();
  }
}
