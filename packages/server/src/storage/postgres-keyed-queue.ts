/**
 * Runs async tasks one at a time per key, in call order; tasks of different keys run concurrently.
 *
 * A pool runs statements on several connections at once, so two appends to one room started together could commit
 * in either order. The stores queue their writes per room (per document) through this, which keeps the in-process
 * guarantee of the embedded stores: calls apply in call order. Across processes the database's row locks decide.
 */
export class KeyedQueue {
  private readonly tails = new Map<string, Promise<void>>();

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key);
    const result = previous ? previous.then(task) : task();
    const tail = result.then(settled, settled);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }

  /** Keys with a task queued or running. */
  get size(): number {
    return this.tails.size;
  }
}

function settled(): void {}
