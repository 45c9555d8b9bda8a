/**
 * Keeps list identities stable across renders: `stable(key, next)` returns the array given last time for
 * `key` when its elements are the same (===), else remembers and returns `next`. Lets `React.memo`
 * skip the pages and zones a change did not touch.
 */
export class StableLists<T> {
  private last = new Map<string | number, readonly T[]>();

  stable(key: string | number, next: readonly T[]): readonly T[] {
    const prev = this.last.get(key);
    if (prev && prev.length === next.length && prev.every((v, i) => v === next[i])) return prev;
    this.last.set(key, next);
    return next;
  }
}
